// IntrusiveList<T>: a doubly linked list threaded through T's own `prev` and `next` members, for
// the connections a worker owns: O(1) insert and remove, no allocation, no ownership.
#pragma once

#include <cstddef>

namespace floodgate {

template <class T>
class IntrusiveList {
 public:
  void pushFront(T* item) {
    item->prev = nullptr;
    item->next = head_;
    if (head_ != nullptr) head_->prev = item;
    head_ = item;
    ++size_;
  }
  void remove(T* item) {
    if (item->prev != nullptr) {
      item->prev->next = item->next;
    } else {
      head_ = item->next;
    }
    if (item->next != nullptr) item->next->prev = item->prev;
    item->prev = item->next = nullptr;
    --size_;
  }
  T* front() const { return head_; }
  bool empty() const { return head_ == nullptr; }
  size_t size() const { return size_; }

  // Calls fn(item) for each item; fn may remove the item it is given.
  template <class Fn>
  void forEach(Fn&& fn) {
    for (T* item = head_; item != nullptr;) {
      T* next = item->next;
      fn(item);
      item = next;
    }
  }

 private:
  T* head_ = nullptr;
  size_t size_ = 0;
};

}  // namespace floodgate
