// RequestFingerprint: a 64-bit hash of a request's shape, so the detector can find the one kind
// of request a flood is made of (and a rule can name it) however its ids and values vary.
#pragma once

#include <cstdint>
#include <string>

#include "http/message.h"

namespace floodgate::shield {

// The shape is:
//  - the method token;
//  - the path with its variable parts replaced: a segment that looks like a UUID becomes {uuid},
//    one of 8+ hex digits mixing letters and digits becomes {hex}, and any other run of decimal
//    digits becomes {n} ("/v2/item/123" → "/v{n}/item/{n}");
//  - the query's keys without their values, as a set (their order does not matter), each key
//    shaped like a path segment, so a cache buster's random keys ("?5d0b7e1c94=1") are one shape;
//  - the header names in the order sent, with their case: a client library's habits show in both;
//  - the User-Agent value.
// So GET /item/123?x=1 and GET /item/456?x=2 with the same headers share a fingerprint, and the
// same request with two headers swapped does not.
//
// The seed keys the hash: a per-deployment secret keeps an attacker from shaping requests to
// collide with a legitimate fingerprint (edge nodes sharing rules must share the seed).
class RequestFingerprint {
 public:
  explicit RequestFingerprint(uint64_t seed = 0) : seed_(seed) {}

  // Data plane: hashes incrementally, no allocation.
  uint64_t compute(const http::RequestHead& head) const;

  // The shape as text for evidence in logs and events, e.g.
  //   GET /item/{n}?x headers=[Host, User-Agent, Accept] ua="curl/8.4.0"
  // Query keys are shown sorted; the User-Agent is escaped and cut at 200 bytes. Allocates:
  // control side, or once per sampled request.
  std::string describe(const http::RequestHead& head) const;

 private:
  uint64_t seed_;
};

}  // namespace floodgate::shield
