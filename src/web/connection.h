// Connection: one client of a web::Server. Reads a request head and its Content-Length body,
// hands the whole request to the handler, queues the answer, and takes the next request only
// once the answer is queued (pipelined requests are answered in order).
#pragma once

#include <cstdint>

#include "core/buffer.h"
#include "core/event_loop.h"
#include "core/socket.h"
#include "http/request_parser.h"
#include "web/handler.h"

namespace floodgate::web {

class Server;
struct ServerOptions;

class Connection final : public IoHandler, public Deferrable {
 public:
  Connection(Server* server, FileDescriptor fd, const SocketAddress& peer);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool start();
  void onIoEvent(uint32_t events) override;
  void close();

  // The server's intrusive list.
  Connection* prev = nullptr;
  Connection* next = nullptr;

 private:
  bool readAvailable();  // false when the connection closed
  void process();
  bool serveOne();  // true when a request was answered and another may follow
  void answerError(int status, std::string_view why);
  void queue(const Request& request, const Response& response, bool keep_alive);
  bool flush();
  void updateInterest();
  void rearmTimer();
  void onTimer();

  Server* server_;
  FileDescriptor fd_;
  std::string peer_ip_;
  Buffer in_;
  Buffer out_;
  http::RequestParser parser_;
  http::RequestHead head_;
  bool head_done_ = false;  // head_ parsed; waiting for its body
  bool closing_ = false;    // close once out_ is flushed
  bool closed_ = false;
  uint32_t events_ = EPOLLIN | EPOLLRDHUP;
  size_t body_total_ = 0;  // head and body bytes of the request being read
  bool sent_continue_ = false;
  MonoTime request_started_{};  // first byte of the request being read
  Timer timer_;
};

}  // namespace floodgate::web
