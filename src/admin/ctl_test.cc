#include "admin/ctl.h"

#include <gtest/gtest.h>

namespace floodgate::admin {
namespace {

TEST(CtlNamedCallTest, UpstreamCallsBecomeTheirRequests) {
  CtlOptions list;
  list.method = "upstreams";
  ASSERT_TRUE(resolveNamedCall(&list));
  EXPECT_EQ(list.method, "GET");
  EXPECT_EQ(list.path, "/api/v1/upstreams");

  CtlOptions drain;
  drain.method = "drain-endpoint";
  drain.path = "127.0.0.1:9001";
  ASSERT_TRUE(resolveNamedCall(&drain));
  EXPECT_EQ(drain.method, "POST");
  EXPECT_EQ(drain.path, "/api/v1/upstreams/drain");
  EXPECT_EQ(drain.body, R"({"endpoint":"127.0.0.1:9001"})");

  CtlOptions undrain;
  undrain.method = "undrain-endpoint";
  undrain.path = "127.0.0.1:9001";
  ASSERT_TRUE(resolveNamedCall(&undrain));
  EXPECT_EQ(undrain.body, R"({"drain":false,"endpoint":"127.0.0.1:9001"})");

  CtlOptions generic;  // anything else is left as the generic METHOD PATH form
  generic.method = "GET";
  generic.path = "/api/v1/shield";
  ASSERT_TRUE(resolveNamedCall(&generic));
  EXPECT_EQ(generic.path, "/api/v1/shield");
}

TEST(CtlNamedCallTest, MissingOrExtraArgumentsAreRefused) {
  CtlOptions no_address;
  no_address.method = "drain-endpoint";
  EXPECT_FALSE(resolveNamedCall(&no_address));
  CtlOptions extra;
  extra.method = "upstreams";
  extra.path = "x";
  EXPECT_FALSE(resolveNamedCall(&extra));
  CtlOptions ctl_with_body;
  ctl_with_body.method = "undrain-endpoint";
  ctl_with_body.path = "127.0.0.1:9001";
  ctl_with_body.body = "{}";
  EXPECT_FALSE(resolveNamedCall(&ctl_with_body));
}

}  // namespace
}  // namespace floodgate::admin
