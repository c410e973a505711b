#include "proxy/status_plane.h"

#include <cstdio>

#include "core/log.h"

namespace floodgate::proxy {

Result<std::unique_ptr<StatusPlane>> StatusPlane::start(const config::Config& config,
                                                        const ShieldState* shield,
                                                        status::EventSink events) {
  std::unique_ptr<StatusPlane> plane(new StatusPlane());
  status::ServiceOptions options = statusServiceOptions(config);
  options.events = std::move(events);
  auto service = status::StatusService::open(std::move(options));
  if (!service) return Error{service.error()};
  plane->service_ = std::move(*service);
  StatusPlane* p = plane.get();
  // The server binds now, before the thread runs: a taken port stops the start cleanly.
  auto server = web::Server::start(&p->loop_, config.status.listen, p->service_->publicHandler());
  if (!server) return Error{"status.listen " + config.status.listen_text + ": " + server.error()};
  p->server_ = std::move(*server);
  p->address_ = p->server_->address();
  std::string url =
      config.status.url.empty() ? "http://" + p->address_.toString() : config.status.url;
  p->service_->setPageUrl(url);
  p->feed_ = std::make_unique<StatusFeed>(config, p->service_.get(), shield);
  p->second_.setCallback([p] { p->second(); });
  std::printf("status page on %s (%zu components, database %s)\n", url.c_str(),
              config.status.components.size(), config.status.database.c_str());
  std::fflush(stdout);
  spdlog::info("status page on {} ({})", p->address_.toString(), config.status.database);
  p->thread_ = std::thread([p] {
    p->loop_.updateTime();
    p->loop_.schedule(&p->second_, seconds(1));
    p->loop_.run();
  });
  return plane;
}

StatusPlane::~StatusPlane() {
  loop_.stop();
  if (thread_.joinable()) thread_.join();
  loop_.cancel(&second_);
  server_.reset();
  feed_.reset();
}

void StatusPlane::second() {
  loop_.schedule(&second_, seconds(1));
  feed_->second();
}

}  // namespace floodgate::proxy
