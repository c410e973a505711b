#include "http/request_parser.h"

#include "http/chars.h"

namespace floodgate::http {

namespace {

// 0 when a request's Transfer-Encoding is exactly "chunked" (the only coding floodgate decodes),
// else the status to refuse it with: 400 when the body length cannot be known (chunked is not
// the final coding, is applied twice, or the list is malformed: RFC 9112 6.3), 501 for a
// well-formed list of codings ending in chunked that floodgate does not implement (6.1).
int transferEncodingStatus(std::string_view te) {
  if (equalsIgnoreCase(te, "chunked")) return 0;
  bool well_formed = true, last_chunked = false;
  int chunked = 0;
  size_t start = 0;
  while (true) {
    size_t comma = te.find(',', start);
    std::string_view coding =
        trimOws(te.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (coding.empty()) well_formed = false;
    for (char c : coding) {
      if (!isTchar(c)) well_formed = false;
    }
    last_chunked = equalsIgnoreCase(coding, "chunked");
    if (last_chunked) ++chunked;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return well_formed && last_chunked && chunked == 1 ? 501 : 400;
}

}  // namespace

bool parseContentLength(std::string_view value, uint64_t* out) {
  if (value.empty() || value.size() > 18) return false;  // 18 digits cannot overflow
  uint64_t n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = n;
  return true;
}

ParseState parseHeaderLines(std::string_view block, size_t max_headers,
                            std::vector<HeaderField>* headers, ParseError* error) {
  size_t pos = 0;
  while (pos < block.size()) {
    size_t eol = block.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = block.size();
    std::string_view line = block.substr(pos, eol - pos);
    pos = eol + 2;
    if (line.empty()) continue;
    if (line[0] == ' ' || line[0] == '\t') {
      *error = {400, "obsolete line folding (obs-fold) in header"};
      return ParseState::kError;
    }
    size_t colon = 0;
    while (colon < line.size() && isTchar(line[colon])) ++colon;
    if (colon == line.size() || line[colon] != ':') {
      *error = {400, colon < line.size() && (line[colon] == ' ' || line[colon] == '\t')
                         ? "whitespace between header name and colon"
                         : "invalid character in header name"};
      return ParseState::kError;
    }
    if (colon == 0) {
      *error = {400, "empty header name"};
      return ParseState::kError;
    }
    std::string_view value = line.substr(colon + 1);
    for (char c : value) {
      if (!isFieldValueChar(c)) {
        *error = {400, "control character in header value"};
        return ParseState::kError;
      }
    }
    if (headers->size() >= max_headers) {
      *error = {431, "too many header fields"};
      return ParseState::kError;
    }
    headers->push_back({line.substr(0, colon), trimOws(value)});
  }
  return ParseState::kDone;
}

ParseState RequestParser::parse(const char* data, size_t len, RequestHead* head) {
  size_t head_len = 0;
  ParseState scanned = scanner_.scan(data, len, limits_.max_head_bytes, &head_len, &error_);
  if (scanned != ParseState::kDone) return scanned;

  head->clear();
  size_t start = scanner_.leadingBytes();
  std::string_view text(data + start, head_len - start - 2);  // up to the last header's CRLF
  size_t eol = text.find("\r\n");
  ParseState st = parseRequestLine(text.substr(0, eol), head);
  if (st != ParseState::kDone) return st;
  st = parseHeaderLines(text.substr(eol + 2), limits_.max_headers, &head->headers, &error_);
  if (st != ParseState::kDone) return st;
  st = applySemantics(head);
  if (st != ParseState::kDone) return st;
  head->head_bytes = head_len;
  return ParseState::kDone;
}

ParseState RequestParser::parseRequestLine(std::string_view line, RequestHead* head) {
  size_t sp1 = 0;
  while (sp1 < line.size() && isTchar(line[sp1])) ++sp1;
  if (sp1 == 0 || sp1 == line.size() || line[sp1] != ' ') {
    return fail(400, "malformed request line (method)");
  }
  head->method_token = line.substr(0, sp1);
  head->method = methodFromToken(head->method_token);
  size_t sp2 = sp1 + 1;
  while (sp2 < line.size() && isTargetChar(line[sp2])) ++sp2;
  if (sp2 == sp1 + 1 || sp2 == line.size() || line[sp2] != ' ') {
    return fail(400, "malformed request line (target)");
  }
  head->target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return fail(400, "malformed request line (version)");
  }
  if (version[5] != '1') return fail(505, "HTTP version not supported");
  head->minor_version = version[7] - '0';
  if (head->minor_version > 1) head->minor_version = 1;  // HTTP/1.2+ is answered as 1.1
  return parseTarget(head);
}

ParseState RequestParser::parseTarget(RequestHead* head) {
  std::string_view t = head->target;
  // Before the target's form: "CONNECT / HTTP/1.1" must not pass as an origin-form request.
  if (head->method == Method::kConnect) return fail(501, "CONNECT is not supported");
  if (t[0] == '/') {
    head->path = t;
    return ParseState::kDone;
  }
  if (t == "*") {
    if (head->method != Method::kOptions) return fail(400, "asterisk-form target without OPTIONS");
    head->path = t;
    return ParseState::kDone;
  }
  size_t scheme_len = 0;
  if (startsWithIgnoreCase(t, "http://")) {
    scheme_len = 7;
  } else if (startsWithIgnoreCase(t, "https://")) {
    scheme_len = 8;
  } else {
    return fail(400, "request target is not origin-form or absolute-form");
  }
  std::string_view rest = t.substr(scheme_len);
  size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  if (authority.empty()) return fail(400, "absolute-form target without authority");
  for (char c : authority) {
    if (c == '@') return fail(400, "userinfo in absolute-form target");
    if (!isHostChar(c)) return fail(400, "invalid character in target authority");
  }
  head->authority = authority;
  head->path = end == std::string_view::npos ? std::string_view("/") : rest.substr(end);
  if (!head->path.empty() && head->path[0] == '?') {
    return fail(400, "absolute-form target with a query but no path");
  }
  return ParseState::kDone;
}

ParseState RequestParser::applySemantics(RequestHead* head) {
  int host_count = 0, cl_count = 0, te_count = 0;
  std::string_view te;
  for (const auto& h : head->headers) {
    std::string_view n = h.name;
    if (n.size() == 4 && equalsIgnoreCase(n, "host")) {
      ++host_count;
      for (char c : h.value) {
        if (!isHostChar(c)) return fail(400, "invalid Host header");
      }
      head->host = h.value;
    } else if (n.size() == 14 && equalsIgnoreCase(n, "content-length")) {
      ++cl_count;
      if (!parseContentLength(h.value, &head->content_length)) {
        return fail(400, "invalid Content-Length");
      }
    } else if (n.size() == 17 && equalsIgnoreCase(n, "transfer-encoding")) {
      ++te_count;
      te = h.value;
    } else if (n.size() == 10 && equalsIgnoreCase(n, "connection")) {
      if (!head->connection.empty()) return fail(400, "duplicate Connection header");
      head->connection = h.value;
    } else if (n.size() == 6 && equalsIgnoreCase(n, "expect")) {
      if (!equalsIgnoreCase(h.value, "100-continue")) return fail(417, "unsupported Expect");
      head->expect_continue = true;
    }
  }
  if (head->minor_version == 1 && host_count != 1) {
    return fail(400, host_count == 0 ? "missing Host header" : "duplicate Host header");
  }
  if (host_count > 1) return fail(400, "duplicate Host header");
  if (!head->authority.empty()) {
    if (host_count == 1 && !equalsIgnoreCase(head->authority, head->host)) {
      return fail(400, "Host header does not match the absolute-form target");
    }
    head->host = head->authority;
  }
  if (cl_count > 1) return fail(400, "duplicate Content-Length");
  if (te_count > 0) {
    if (te_count > 1) return fail(400, "duplicate Transfer-Encoding");
    if (cl_count > 0) return fail(400, "both Content-Length and Transfer-Encoding");
    if (head->minor_version == 0) return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
    int status = transferEncodingStatus(te);
    if (status == 501) return fail(501, "unsupported transfer coding");
    if (status != 0) return fail(400, "invalid Transfer-Encoding");
    head->framing = BodyFraming::kChunked;
  } else if (cl_count == 1 && head->content_length > 0) {
    head->framing = BodyFraming::kContentLength;
  }
  // "close" wins wherever it is in the list ("close, keep-alive" on 1.0 must still close).
  bool close = false, keep_alive = false;
  forEachListElement(head->connection, [&](std::string_view token) {
    if (equalsIgnoreCase(token, "close")) close = true;
    if (equalsIgnoreCase(token, "keep-alive")) keep_alive = true;
  });
  head->keep_alive = !close && (head->minor_version == 1 || keep_alive);
  // No 100 (Continue) for a request without a body, nor to an HTTP/1.0 client, which cannot
  // expect one (RFC 9110 10.1.1: "MUST ignore that expectation").
  if (head->framing == BodyFraming::kNone || head->minor_version == 0) {
    head->expect_continue = false;
  }
  return ParseState::kDone;
}

}  // namespace floodgate::http
