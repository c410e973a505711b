// Reason phrases and small helpers for writing responses floodgate makes itself.
#pragma once

#include <string_view>

#include "core/buffer.h"

namespace floodgate::http {

std::string_view reasonPhrase(int status);

// The current time as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), formatted at most once
// per second per thread.
std::string_view httpDate();

// Appends a complete response with a text body. `extra_headers` is either empty or a block of
// "Name: value\r\n" lines. `head_only` leaves the body out (answering HEAD).
void appendSimpleResponse(Buffer* out, int status, std::string_view body, bool keep_alive,
                          std::string_view extra_headers = {}, bool head_only = false,
                          std::string_view content_type = "text/plain; charset=utf-8");

// Appends the decimal digits of `n`.
void appendDecimal(Buffer* out, uint64_t n);

}  // namespace floodgate::http
