#include "emulator/emulator.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "emulator/service.h"
#include "http_server/http_server.h"

namespace opentrack::emulator {

struct Emulator::Impl {
  std::unique_ptr<Service> service;
  std::unique_ptr<http::Server> server;
  std::string address;
};

Emulator::Emulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Emulator::~Emulator() { Shutdown(); }

absl::StatusOr<std::unique_ptr<Emulator>> Emulator::Start(EmulatorOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->address = options.address;
  http::ServerOptions server_options;
  server_options.address = options.address;
  server_options.port = options.port;
  // Uploads may be large; insertAll's own 10 MB rule is enforced by the service.
  server_options.max_body_bytes = 256u * 1024 * 1024;
  auto service = Service::Create(std::move(options));
  if (!service.ok()) return service.status();
  impl->service = std::move(*service);
  Service* raw = impl->service.get();
  auto server = http::Server::Start(
      server_options,
      [raw](http::Request request, http::Responder respond) { respond(raw->Handle(request)); });
  if (!server.ok()) return server.status();
  impl->server = std::move(*server);
  return std::unique_ptr<Emulator>(new Emulator(std::move(impl)));
}

uint16_t Emulator::port() const { return impl_->server->port(); }

std::string Emulator::endpoint() const {
  return absl::StrCat("http://", impl_->address, ":", port());
}

void Emulator::Shutdown() {
  if (impl_ && impl_->server) impl_->server->Shutdown(absl::Seconds(5));
}

void Emulator::SetFaults(const FaultOptions& faults) { impl_->service->SetFaults(faults); }

}  // namespace opentrack::emulator
