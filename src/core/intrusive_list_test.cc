#include "core/intrusive_list.h"

#include <gtest/gtest.h>

#include <vector>

namespace floodgate {
namespace {

struct Node {
  int id;
  Node* prev = nullptr;
  Node* next = nullptr;
};

std::vector<int> ids(IntrusiveList<Node>& list) {
  std::vector<int> out;
  list.forEach([&](Node* n) { out.push_back(n->id); });
  return out;
}

TEST(IntrusiveList, InsertRemoveAnywhere) {
  Node a{1}, b{2}, c{3};
  IntrusiveList<Node> list;
  list.pushFront(&a);
  list.pushFront(&b);
  list.pushFront(&c);
  EXPECT_EQ(ids(list), (std::vector<int>{3, 2, 1}));
  list.remove(&b);  // middle
  EXPECT_EQ(ids(list), (std::vector<int>{3, 1}));
  list.remove(&c);  // head
  EXPECT_EQ(ids(list), (std::vector<int>{1}));
  list.remove(&a);  // last
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.size(), 0u);
}

TEST(IntrusiveList, ForEachToleratesRemovingTheCurrentItem) {
  Node n[4] = {{0}, {1}, {2}, {3}};
  IntrusiveList<Node> list;
  for (auto& x : n) list.pushFront(&x);
  list.forEach([&](Node* x) {
    if (x->id % 2 == 0) list.remove(x);
  });
  EXPECT_EQ(ids(list), (std::vector<int>{3, 1}));
  EXPECT_EQ(list.size(), 2u);
}

}  // namespace
}  // namespace floodgate
