#include "http/response_parser.h"

#include "http/chars.h"
#include "http/request_parser.h"

namespace floodgate::http {

ParseState ResponseParser::parse(const char* data, size_t len, Method request_method,
                                 ResponseHead* head) {
  size_t head_len = 0;
  ParseState scanned = scanner_.scan(data, len, limits_.max_head_bytes, &head_len, &error_);
  if (scanned == ParseState::kError) {
    return fail(error_.status == 431 ? "upstream response head too large" : error_.reason);
  }
  if (scanned != ParseState::kDone) return scanned;

  head->clear();
  size_t start = scanner_.leadingBytes();
  std::string_view text(data + start, head_len - start - 2);
  size_t eol = text.find("\r\n");
  std::string_view line = text.substr(0, eol);
  // HTTP/1.x SP 3DIGIT [SP reason]
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[7] < '0' || line[7] > '9' ||
      line[8] != ' ') {
    return fail("malformed upstream status line");
  }
  head->minor_version = line[7] == '0' ? 0 : 1;
  int status = 0;
  for (int i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return fail("malformed upstream status code");
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100 || status > 599) return fail("upstream status code out of range");
  head->status = status;
  if (line.size() > 12) {
    if (line[12] != ' ') return fail("malformed upstream status line");
    head->reason = line.substr(13);
    for (char c : head->reason) {
      if (!isFieldValueChar(c)) return fail("control character in upstream reason phrase");
    }
  }
  ParseError header_error;
  if (parseHeaderLines(text.substr(eol + 2), limits_.max_headers, &head->headers,
                       &header_error) != ParseState::kDone) {
    return fail(header_error.reason);
  }

  int cl_count = 0, te_count = 0, connection_count = 0;
  bool chunked_last = false;
  for (const auto& h : head->headers) {
    if (equalsIgnoreCase(h.name, "content-length")) {
      uint64_t value = 0;
      if (!parseContentLength(h.value, &value)) return fail("invalid upstream Content-Length");
      if (cl_count > 0 && value != head->content_length) {
        return fail("conflicting upstream Content-Length");
      }
      head->content_length = value;
      ++cl_count;
    } else if (equalsIgnoreCase(h.name, "transfer-encoding")) {
      ++te_count;
      // The final coding decides the framing; anything else is read until close.
      forEachListElement(h.value, [&](std::string_view coding) {
        chunked_last = equalsIgnoreCase(coding, "chunked");
      });
    } else if (equalsIgnoreCase(h.name, "connection")) {
      // A second field would be lost: its "close" ignored, the fields it names forwarded.
      if (++connection_count > 1) return fail("duplicate upstream Connection header");
      head->connection = h.value;
    }
  }
  // "close" wins wherever it is in the list.
  bool close = false, keep_alive = false;
  forEachListElement(head->connection, [&](std::string_view token) {
    if (equalsIgnoreCase(token, "close")) close = true;
    if (equalsIgnoreCase(token, "keep-alive")) keep_alive = true;
  });
  head->keep_alive = !close && (head->minor_version == 1 || keep_alive);
  // Transfer-Encoding in HTTP/1.0 may have been passed on by a hop that did not understand it:
  // read this message, then close (RFC 9112 6.1).
  if (te_count > 0 && head->minor_version == 0) head->keep_alive = false;

  if (head->interim() || status == 204 || status == 304 || request_method == Method::kHead) {
    head->framing = BodyFraming::kNone;
  } else if (te_count > 0) {
    if (cl_count > 0) return fail("upstream sent both Content-Length and Transfer-Encoding");
    head->framing = chunked_last ? BodyFraming::kChunked : BodyFraming::kUntilClose;
    if (!chunked_last) head->keep_alive = false;
  } else if (cl_count > 0) {
    head->framing = head->content_length > 0 ? BodyFraming::kContentLength : BodyFraming::kNone;
  } else {
    head->framing = BodyFraming::kUntilClose;
    head->keep_alive = false;
  }
  head->head_bytes = head_len;
  return ParseState::kDone;
}

}  // namespace floodgate::http
