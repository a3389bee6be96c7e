#pragma once
// ControlPlane: the truth about the functions and layers made through the
// management API, kept in the state directory and run by the registry.
//
// Every change takes one path: the operation copies the function's record,
// changes the copy, the copy is made durable (code blobs first, then the
// record in one SQLite transaction, both on the state worker thread), and
// only then replaces the record and is applied to the registry: new $LATEST
// configuration (its environments drain), published versions (a pool each),
// alias routes, reservations and provisioned environments. A crash at any
// point leaves the old or the new record on disk, never half of one. While a
// change of a function is being written, other changes of it are refused
// with ResourceConflictException, as Lambda refuses them while an update is
// in progress.
//
// Functions from the config file or template are the registry's alone: the
// control plane does not record them, and a file-defined function shadows an
// API-made one of the same name (which stays on disk). Owned by the server;
// io thread only.

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>

#include "control/function_record.h"
#include "control/layer_record.h"
#include "pool/services.h"
#include "registry/function_registry.h"
#include "state/state_store.h"
#include "state/state_worker.h"

namespace lambda_emu::control {

// Why an operation was refused, in Lambda's terms; the management API maps
// each kind to its status and error type.
struct Error {
  enum class Kind {
    kNotFound,             // 404 ResourceNotFoundException
    kConflict,             // 409 ResourceConflictException
    kInvalidParameter,     // 400 InvalidParameterValueException
    kValidation,           // 400 ValidationException
    kPreconditionFailed,   // 412 PreconditionFailedException
    kCodeStorageExceeded,  // 400 CodeStorageExceededException
    kProvisionedNotFound,  // 404 ProvisionedConcurrencyConfigNotFoundException
    kService,              // 500 ServiceException
  };
  Kind kind;
  std::string message;
};

template <typename T>
using Outcome = std::variant<T, Error>;

// A deployment package once stored: its blob and what GetFunction reports.
struct StoredCode {
  std::string blob;           // hex SHA-256
  std::string sha256_base64;  // CodeSha256
  std::int64_t size = 0;
  std::filesystem::path dir;  // where its files are unpacked
};

class ControlPlane {
 public:
  ControlPlane(registry::FunctionRegistry& registry, state::StateStore& store,
               state::StateWorker& worker, const pool::ServerSettings& settings);

  // Start-up, before the io loop runs: reads the state directory, unpacks
  // what is missing, registers every stored function whose name the file
  // does not define, and removes blobs nothing refers to. A record that
  // cannot be read is an error naming it; nothing is deleted then.
  Status Load();

  // The API-made function called `name`, unless the file defines that name.
  const FunctionRecord* Find(const std::string& name) const;
  // The function is being changed (a write is in flight).
  bool Busy(const std::string& name) const { return busy_.count(name) > 0; }

  // Stores a .zip (durable, content-addressed) and unpacks it. An archive
  // that is not a zip is InvalidParameterValue, as Lambda words it.
  boost::asio::awaitable<Outcome<StoredCode>> StoreCode(std::string zip);

  // Adds a new function (its name must be free).
  boost::asio::awaitable<std::optional<Error>> Create(FunctionRecord record);
  // Changes a function: `change` edits a copy of its record (or refuses).
  using Change = std::function<std::optional<Error>(FunctionRecord&)>;
  boost::asio::awaitable<std::optional<Error>> Update(const std::string& name, Change change);
  boost::asio::awaitable<std::optional<Error>> Delete(const std::string& name);

  // Bytes of packages kept: every API-made function's versions and every
  // layer version, as Lambda counts its code storage quota.
  std::int64_t StoredCodeSize() const;
  // CodeStorageExceededException when `more` bytes would pass the limit.
  std::optional<Error> CheckCodeStorage(std::int64_t more) const;

  // Layers: name -> versions.
  const LayerRecord* FindLayer(const std::string& name) const;
  std::vector<const LayerRecord*> Layers() const;
  boost::asio::awaitable<std::optional<Error>> PutLayer(LayerRecord layer);
  boost::asio::awaitable<std::optional<Error>> DeleteLayer(const std::string& name);
  // The layer version an ARN names, or the error a function's Layers gets.
  Outcome<const LayerVersion*> ResolveLayer(const std::string& arn) const;

  // The error Lambda gives for a function that does not exist.
  Error FunctionNotFound(const std::string& name, const std::string& qualifier = "") const;
  std::string FunctionArn(const std::string& name) const;
  // A stored package's file (the blob behind CodeSha256).
  std::filesystem::path BlobPath(const std::string& blob) const { return store_.BlobPath(blob); }
  // The state worker thread, for other file-system work the io thread must not do.
  state::StateWorker& worker() { return worker_; }
  // The conflict for a second change while one is being written.
  Error UpdateInProgress(const std::string& name) const;

  const pool::ServerSettings& settings() const { return settings_; }
  registry::FunctionRegistry& registry() { return registry_; }

 private:
  // Applies the difference between `before` (nullptr: new) and `after` to
  // the registry.
  void Sync(const FunctionRecord* before, FunctionRecord& after);
  std::filesystem::path UnpackDir(const std::string& blob) const;
  boost::asio::awaitable<std::optional<Error>> Write(std::vector<state::Document> puts,
                                                     std::vector<state::DocumentKey> deletes);

  registry::FunctionRegistry& registry_;
  state::StateStore& store_;
  state::StateWorker& worker_;
  const pool::ServerSettings& settings_;
  std::filesystem::path unpack_root_;
  std::map<std::string, FunctionRecord> functions_;
  std::map<std::string, LayerRecord> layers_;
  std::set<std::string> busy_;
};

}  // namespace lambda_emu::control
