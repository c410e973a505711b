// RequestFingerprint: a 64-bit hash of a request's shape, so the detector can find the one kind
// of request a flood is made of (and a rule can name it) however its ids and values vary.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/message.h"
#include "shield/query_keys.h"

namespace floodgate::shield {

// The shape is:
//  - the method token;
//  - the path with its variable parts replaced: a segment that looks like a UUID becomes {uuid},
//    one of 8+ hex digits with a decimal digit among them becomes {hex} (a long number too: a
//    random hex id has no letter one time in a hundred), and any other run of decimal digits
//    becomes {n} ("/v2/item/123" → "/v{n}/item/{n}");
//  - the query's keys without their values, as a set (their order does not matter), each key
//    shaped like a path segment, so a cache buster's random keys ("?5d0b7e1c94=1") are one shape;
//    a word-like key (no digits: "?qzkwv=1") is kept only if the regular clients use it (the
//    learned QueryKeys, when given), else it becomes {key};
//  - the header names in the order sent, with their case: a client library's habits show in both;
//  - the User-Agent value.
// So GET /item/123?x=1 and GET /item/456?x=2 with the same headers share a fingerprint, and the
// same request with two headers swapped does not.
//
// The seed keys the hash: a per-deployment secret keeps an attacker from shaping requests to
// collide with a legitimate fingerprint (edge nodes sharing rules must share the seed).
// A query key with no variable part a path segment's placeholders would take: no digits, not a
// hex id or UUID ("q", "page", "qzkwv").
bool isWordKey(std::string_view key);

// Calls out(key) for each non-empty key of the query in `target` ("/p?a=1&b" → a, b).
template <class Out>
void forEachQueryKey(std::string_view target, Out&& out) {
  const size_t question = target.find('?');
  if (question == std::string_view::npos) return;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = std::min(query.find('&'), query.size());
    const std::string_view pair = query.substr(0, amp);
    const std::string_view key = pair.substr(0, pair.find('='));
    query.remove_prefix(std::min(amp + 1, query.size()));
    if (!key.empty()) out(key);
  }
}

class RequestFingerprint {
 public:
  explicit RequestFingerprint(uint64_t seed = 0) : seed_(seed) {}

  // Data plane: hashes incrementally, no allocation. `known`: the query keys regular clients
  // use; null keeps every word-like key as it is (nothing learned yet).
  uint64_t compute(const http::RequestHead& head, const QueryKeys* known = nullptr) const;

  // The shape as text for evidence in logs and events, e.g.
  //   GET /item/{n}?x headers=[Host, User-Agent, Accept] ua="curl/8.4.0"
  // Query keys are shown sorted; the User-Agent is escaped and cut at 200 bytes. Allocates:
  // control side, or once per sampled request.
  std::string describe(const http::RequestHead& head, const QueryKeys* known = nullptr) const;

  // Data plane: calls out(hash) for each word-like query key of the request, as QueryKeys files
  // it — what a known-good client's request teaches the QueryKeyLearner. No allocation.
  template <class Out>
  void wordKeys(const http::RequestHead& head, Out&& out) const {
    forEachQueryKey(head.path, [&](std::string_view key) {
      if (isWordKey(key)) out(queryKeyHash(key, seed_));
    });
  }

 private:
  uint64_t seed_;
};

}  // namespace floodgate::shield
