#include "cli/serve_command.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "cli/bigquery_target.h"
#include "cli/process_util.h"
#include "cli/spool_event_sink.h"
#include "common/error_code.h"
#include "http_api/tracking_api.h"
#include "http_server/http_server.h"
#include "loader/batch_writer.h"
#include "loader/loader.h"
#include "metrics/metrics.h"
#include "row_writer/load_job_row_writer.h"
#include "row_writer/streaming_row_writer.h"
#include "row_writer/table_quarantine_sink.h"
#include "spdlog/spdlog.h"
#include "spool/spool.h"
#include "table_manager/table_manager.h"

namespace opentrack::cli {
namespace {

http_api::ApiOptions MakeApiOptions(const Config& config, std::atomic<bool>* ready) {
  http_api::ApiOptions api;
  for (const SourceConfig& s : config.sources) {
    api.sources.push_back({.name = s.name, .write_key = s.write_key});
  }
  // A single source without a write key is local development: accept any key.
  api.allow_any_write_key = config.sources.size() == 1 && config.sources[0].write_key.empty();
  api.ready = [ready] { return ready->load(); };
  return api;
}

loader::LoaderOptions MakeLoaderOptions(const Config& config, const std::string& project_id) {
  loader::LoaderOptions options;
  for (const SourceConfig& s : config.sources) {
    options.destinations[s.name] = {.project_id = project_id, .dataset_id = s.dataset};
  }
  options.batch_max_age = config.batch_max_age;
  options.metrics = &metrics::Registry::Default();
  if (config.load_mode == LoadMode::kLoadJobs) {
    options.batch_max_rows = 100000;  // one load job per table per interval
    options.batch_max_bytes = 64 << 20;
  }
  return options;
}

spool::SpoolOptions MakeSpoolOptions(const Config& config) {
  spool::SpoolOptions options;
  options.directory = config.SpoolDir();
  options.compression = config.spool_compression == SpoolCompression::kZstd
                            ? spool::Compression::kZstd
                            : spool::Compression::kNone;
  if (config.spool_zstd_level.has_value()) options.zstd_level = *config.spool_zstd_level;
  options.direct_io = config.spool_direct_io;
  return options;
}

}  // namespace

absl::Status RunServe(const Config& config, const ServeFlags& flags) {
  std::error_code ec;
  std::filesystem::create_directories(config.SpoolDir(), ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create spool directory ", config.SpoolDir(), ": ", ec.message()));
  }
  auto spool = spool::Spool::Open(MakeSpoolOptions(config));
  if (!spool.ok() && config.spool_direct_io) {
    return WithContext(spool.status(), "OPENTRACK_SPOOL_DIRECT_IO=true");
  }
  if (!spool.ok()) return spool.status();

  auto target = OpenBigQueryTarget(config);
  if (!target.ok()) return target.status();
  spdlog::info("delivering to {}", target->description);
  if (target->embedded_emulator != nullptr) {
    if (absl::Status st =
            WritePortFile(flags.emulator_port_file, target->embedded_emulator->port());
        !st.ok()) {
      return st;
    }
  }
  bigquery::BigQueryClient* client = target->client.get();

  table_manager::TableManager tables(
      client, {.location = config.location, .auto_manage = config.auto_table_management});
  row_writer::TableQuarantineSink quarantine(client, &tables);
  row_writer::StreamingRowWriter streaming(client, &tables, &quarantine);
  row_writer::LoadJobRowWriter load_jobs(client, &streaming, {.location = config.location});
  row_writer::RowWriter* writer = &streaming;
  if (config.load_mode == LoadMode::kLoadJobs) writer = &load_jobs;
  loader::BatchWriter batch_writer(&tables, writer, &quarantine);
  loader::Loader loader(MakeLoaderOptions(config, target->project_id), spool->get(), &batch_writer);
  loader.Start();

  std::atomic<bool> ready{false};
  SpoolEventSink sink(spool->get());
  http_api::TrackingApi api(MakeApiOptions(config, &ready), &sink, RealClock::Get(),
                            &metrics::Registry::Default());
  auto server = http::Server::Start(
      {.address = config.address,
       .port = config.port,
       .io_threads = config.io_threads,
       .max_body_bytes = 1 << 20},  // Segment's 500 KB batch limit, with room for encodings
      api.AsHandler());
  if (!server.ok()) {
    (void)loader.Stop();
    return server.status();
  }
  if (absl::Status st = WritePortFile(flags.port_file, (*server)->port()); !st.ok()) return st;
  ready = true;
  if (config.sources.size() == 1 && config.sources[0].write_key.empty()) {
    spdlog::warn("WRITE_KEY is not set: any write key is accepted");
  }
  spdlog::info("opentrack listening on {}:{} (spool {}, {}{})", config.address, (*server)->port(),
               config.SpoolDir(),
               config.spool_compression == SpoolCompression::kZstd ? "zstd blocks" : "uncompressed",
               config.spool_direct_io ? ", direct I/O" : "");

  const int sig = WaitForShutdownSignal();
  spdlog::info("signal {}: shutting down", sig);
  ready = false;
  (*server)->Shutdown();
  // The final flush may wait on an unreachable BigQuery: bound it. Every
  // acknowledged event is already fsynced, so leaving early loses nothing.
  std::promise<absl::Status> flushed;
  std::future<absl::Status> flush_done = flushed.get_future();
  std::thread stopper([&] { flushed.set_value(loader.Stop()); });
  if (flush_done.wait_for(absl::ToChronoSeconds(config.shutdown_grace)) ==
      std::future_status::timeout) {
    spdlog::warn("loader still delivering after {}s; undelivered events stay in the spool",
                 absl::ToInt64Seconds(config.shutdown_grace));
    spdlog::shutdown();
    std::_Exit(0);
  }
  stopper.join();
  if (absl::Status st = flush_done.get(); !st.ok()) {
    // Undelivered events stay in the spool and go out on the next start.
    spdlog::warn("loader stopped with undelivered events: {}", st.ToString());
  }
  (*spool)->Close();
  if (target->embedded_emulator != nullptr) target->embedded_emulator->Shutdown();
  return absl::OkStatus();
}

}  // namespace opentrack::cli
