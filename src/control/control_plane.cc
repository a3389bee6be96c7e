#include "control/control_plane.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <system_error>

#include "common/base64.h"
#include "config/code_archive.h"

namespace lambda_emu::control {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kFunctionKind = "function";
constexpr std::string_view kLayerKind = "layer";
constexpr const char* kUnpackedMarker = ".lambda-emu-unpacked";

std::string HexToBase64(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return Base64Encode(bytes);
}

// Unpacks a blob into `dir` once: into a sibling first, renamed when
// complete, so a crash never leaves a half-unpacked package in use.
Status Unpack(const fs::path& zip, const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / kUnpackedMarker, ec)) return Status::Ok();
  fs::path partial = dir;
  partial += ".partial-" + std::to_string(::getpid());
  fs::remove_all(partial, ec);
  if (Status s = config::ExtractZip(zip, partial); !s.ok()) {
    fs::remove_all(partial, ec);
    return s;
  }
  {
    std::FILE* marker = std::fopen((partial / kUnpackedMarker).c_str(), "w");
    if (marker) std::fclose(marker);
  }
  fs::remove_all(dir, ec);
  fs::rename(partial, dir, ec);
  if (ec) return Status::Error("cannot move " + partial.string() + " into place: " + ec.message());
  return Status::Ok();
}

registry::AliasRoute RouteOf(const Alias& alias) {
  registry::AliasRoute route;
  route.version = alias.function_version;
  if (!alias.additional_weights.empty()) {
    route.additional_version = alias.additional_weights.begin()->first;
    route.additional_weight = alias.additional_weights.begin()->second;
  }
  return route;
}

}  // namespace

ControlPlane::ControlPlane(registry::FunctionRegistry& registry, state::StateStore& store,
                           state::StateWorker& worker, const pool::ServerSettings& settings)
    : registry_(registry),
      store_(store),
      worker_(worker),
      settings_(settings),
      unpack_root_(store.ephemeral() ? store.dir() / "unpacked" : store.dir() / "code") {}

fs::path ControlPlane::UnpackDir(const std::string& blob) const { return unpack_root_ / blob; }

std::string ControlPlane::FunctionArn(const std::string& name) const {
  return "arn:aws:lambda:" + settings_.region + ":" + settings_.account_id + ":function:" + name;
}

Error ControlPlane::FunctionNotFound(const std::string& name, const std::string& qualifier) const {
  std::string arn = FunctionArn(name);
  if (!qualifier.empty()) arn += ":" + qualifier;
  return {Error::Kind::kNotFound, "Function not found: " + arn};
}

Error ControlPlane::UpdateInProgress(const std::string& name) const {
  return {Error::Kind::kConflict,
          "The operation cannot be performed at this time. An update is in progress for "
          "resource: " +
              FunctionArn(name)};
}

Status ControlPlane::Load() {
  auto documents = worker_.RunBlocking<Result<std::vector<state::Document>>>(
      [this] { return store_.LoadAll(); });
  if (!documents.ok()) return documents.status();
  auto unpack = [this](const std::string& blob) { return UnpackDir(blob); };
  std::set<std::string> blobs;
  for (const auto& document : *documents) {
    auto where = [&] { return "state " + document.kind + "/" + document.key + ": "; };
    nlohmann::json json = nlohmann::json::parse(document.json, nullptr, false);
    if (document.kind == kFunctionKind) {
      auto record = FunctionRecordFromJson(json, unpack);
      if (!record.ok()) return Status::Error(where() + record.status().message());
      auto collect = [&blobs](const FunctionVersion& v) {
        blobs.insert(v.state.code_blob);
        blobs.insert(v.state.layer_blobs.begin(), v.state.layer_blobs.end());
      };
      collect(record->latest);
      for (const auto& [number, version] : record->versions) collect(version);
      functions_.emplace(document.key, std::move(*record));
    } else if (document.kind == kLayerKind) {
      auto layer = LayerRecordFromJson(json, unpack);
      if (!layer.ok()) return Status::Error(where() + layer.status().message());
      for (const auto& [number, version] : layer->versions) blobs.insert(version.blob);
      layers_.emplace(document.key, std::move(*layer));
    }
  }
  // Every package must be there, unpacked; a missing one is an error, not
  // a function that fails later.
  Status unpacked = worker_.RunBlocking<Status>([this, &blobs] {
    for (const auto& blob : blobs) {
      if (!store_.HasBlob(blob)) {
        return Status::Error("state: code package " + store_.BlobPath(blob).string() +
                             " is missing");
      }
      if (Status s = Unpack(store_.BlobPath(blob), UnpackDir(blob)); !s.ok()) return s;
    }
    size_t removed = store_.CollectGarbage(blobs);
    if (removed > 0) spdlog::info("state: removed {} unused code package(s)", removed);
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(unpack_root_, ec)) {
      if (!blobs.count(entry.path().filename().string())) fs::remove_all(entry.path(), ec);
    }
    return Status::Ok();
  });
  if (!unpacked.ok()) return unpacked;
  for (auto& [name, record] : functions_) {
    if (registry_.OriginOf(name) == registry::Origin::kFile) {
      spdlog::warn(
          "function {} from the state directory is shadowed by the config file's function of "
          "that name (the file wins; the stored one is kept)",
          name);
      continue;
    }
    Sync(nullptr, record);
  }
  if (!functions_.empty() || !layers_.empty()) {
    spdlog::info("state: {} function(s) and {} layer(s) from {}", functions_.size(), layers_.size(),
                 store_.dir().string());
  }
  return Status::Ok();
}

const FunctionRecord* ControlPlane::Find(const std::string& name) const {
  auto it = functions_.find(name);
  if (it == functions_.end() || registry_.OriginOf(name) != registry::Origin::kApi) return nullptr;
  return &it->second;
}

boost::asio::awaitable<Outcome<StoredCode>> ControlPlane::StoreCode(std::string zip) {
  // Pointers, and a named function moved in rather than a temporary: GCC 12
  // destroys the temporaries of a co_await expression twice.
  auto* store = &store_;
  const fs::path* root = &unpack_root_;
  auto* bytes = &zip;
  std::function<Outcome<StoredCode>()> work = [store, root, bytes]() -> Outcome<StoredCode> {
    auto blob = store->PutBlob(*bytes);
    if (!blob.ok()) return Error{Error::Kind::kService, blob.status().message()};
    StoredCode code;
    code.blob = *blob;
    code.sha256_base64 = HexToBase64(*blob);
    code.size = static_cast<std::int64_t>(bytes->size());
    code.dir = *root / *blob;
    if (!Unpack(store->BlobPath(*blob), code.dir).ok()) {
      // Not a zip (or a broken one): it is referenced by nothing, and
      // the next start-up's collection removes the blob.
      return Error{Error::Kind::kInvalidParameter,
                   "Could not unzip uploaded file. Please check your file, then try to "
                   "upload again."};
    }
    return code;
  };
  Outcome<StoredCode> stored = co_await worker_.Run(std::move(work));
  co_return stored;
}

namespace {

std::vector<state::Document> Put(std::string_view kind, const std::string& key, std::string json) {
  std::vector<state::Document> puts(1);
  puts[0].kind = kind;
  puts[0].key = key;
  puts[0].json = std::move(json);
  return puts;
}

std::vector<state::DocumentKey> Remove(std::string_view kind, const std::string& key) {
  std::vector<state::DocumentKey> deletes(1);
  deletes[0].kind = kind;
  deletes[0].key = key;
  return deletes;
}

}  // namespace

boost::asio::awaitable<std::optional<Error>> ControlPlane::Write(
    std::vector<state::Document> puts, std::vector<state::DocumentKey> deletes) {
  auto* store = &store_;
  auto* p = &puts;
  auto* d = &deletes;
  std::function<Status()> work = [store, p, d] { return store->Commit(*p, *d); };
  Status written = co_await worker_.Run(std::move(work));
  if (!written.ok()) {
    spdlog::error("state: {}", written.message());
    co_return Error{Error::Kind::kService,
                    "cannot write the state directory: " + written.message()};
  }
  co_return std::nullopt;
}

boost::asio::awaitable<std::optional<Error>> ControlPlane::Create(FunctionRecord record) {
  const std::string name = record.name();
  if (registry_.OriginOf(name) || busy_.count(name) || functions_.count(name)) {
    co_return Error{Error::Kind::kConflict, "Function already exist: " + name};
  }
  busy_.insert(name);
  auto puts = Put(kFunctionKind, name, ToJson(record).dump());
  auto failed = co_await Write(std::move(puts), {});
  busy_.erase(name);
  if (failed) co_return failed;
  auto& stored = functions_[name] = std::move(record);
  Sync(nullptr, stored);
  co_return std::nullopt;
}

boost::asio::awaitable<std::optional<Error>> ControlPlane::Update(const std::string& name,
                                                                  Change change) {
  if (!Find(name)) co_return FunctionNotFound(name);
  if (busy_.count(name)) co_return UpdateInProgress(name);
  FunctionRecord copy = functions_.at(name);
  if (auto refused = change(copy)) co_return refused;
  busy_.insert(name);
  auto puts = Put(kFunctionKind, name, ToJson(copy).dump());
  auto failed = co_await Write(std::move(puts), {});
  busy_.erase(name);
  if (failed) co_return failed;
  FunctionRecord before = std::move(functions_.at(name));
  auto& after = functions_.at(name) = std::move(copy);
  Sync(&before, after);
  co_return std::nullopt;
}

boost::asio::awaitable<std::optional<Error>> ControlPlane::Delete(const std::string& name) {
  if (!Find(name)) co_return FunctionNotFound(name);
  if (busy_.count(name)) co_return UpdateInProgress(name);
  busy_.insert(name);
  auto deletes = Remove(kFunctionKind, name);
  auto failed = co_await Write({}, std::move(deletes));
  busy_.erase(name);
  if (failed) co_return failed;
  functions_.erase(name);
  registry_.Remove(name);
  co_return std::nullopt;
}

std::int64_t ControlPlane::StoredCodeSize() const {
  std::int64_t total = 0;
  for (const auto& [name, record] : functions_) {
    total += record.latest.state.code_size;
    for (const auto& [number, version] : record.versions) total += version.state.code_size;
  }
  for (const auto& [name, layer] : layers_) {
    for (const auto& [number, version] : layer.versions) total += version.size;
  }
  return total;
}

std::optional<Error> ControlPlane::CheckCodeStorage(std::int64_t more) const {
  if (StoredCodeSize() + more <= settings_.code_storage_limit) return std::nullopt;
  return Error{Error::Kind::kCodeStorageExceeded, "Code storage limit exceeded."};
}

const LayerRecord* ControlPlane::FindLayer(const std::string& name) const {
  auto it = layers_.find(name);
  return it == layers_.end() ? nullptr : &it->second;
}

std::vector<const LayerRecord*> ControlPlane::Layers() const {
  std::vector<const LayerRecord*> out;
  for (const auto& [name, layer] : layers_) out.push_back(&layer);
  return out;
}

boost::asio::awaitable<std::optional<Error>> ControlPlane::PutLayer(LayerRecord layer) {
  const std::string key = layer.name;
  auto puts = Put(kLayerKind, key, ToJson(layer).dump());
  auto failed = co_await Write(std::move(puts), {});
  if (failed) co_return failed;
  layers_[key] = std::move(layer);
  co_return std::nullopt;
}

boost::asio::awaitable<std::optional<Error>> ControlPlane::DeleteLayer(const std::string& name) {
  auto deletes = Remove(kLayerKind, name);
  auto failed = co_await Write({}, std::move(deletes));
  if (failed) co_return failed;
  layers_.erase(name);
  co_return std::nullopt;
}

Outcome<const LayerVersion*> ControlPlane::ResolveLayer(const std::string& arn) const {
  // arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION
  const std::string prefix =
      "arn:aws:lambda:" + settings_.region + ":" + settings_.account_id + ":layer:";
  auto colon = arn.rfind(':');
  if (arn.compare(0, prefix.size(), prefix) == 0 && colon > prefix.size()) {
    std::string name = arn.substr(prefix.size(), colon - prefix.size());
    std::string number = arn.substr(colon + 1);
    const LayerRecord* layer = FindLayer(name);
    if (layer && !number.empty() && number.size() < 9 &&
        number.find_first_not_of("0123456789") == std::string::npos) {
      auto version = layer->versions.find(std::stoi(number));
      if (version != layer->versions.end()) return &version->second;
    }
  }
  return Error{Error::Kind::kInvalidParameter, "Layer version " + arn + " does not exist."};
}

void ControlPlane::Sync(const FunctionRecord* before, FunctionRecord& after) {
  const std::string& name = after.name();
  // $LATEST: a new configuration drains its environments.
  if (!before || before->latest.config != after.latest.config) {
    config::FunctionConfig config = after.latest.config;
    config.reserved_concurrency = after.reserved_concurrency;
    config.provisioned_concurrency = 0;  // never on $LATEST
    Status put = registry_.Put(config, registry::Origin::kApi);
    VersionState& state = after.latest.state;
    if (!put.ok()) {
      spdlog::error("{}", put.message());
      state.state = "Failed";
      state.state_reason = put.message();
      state.state_reason_code = "InternalError";
      state.last_update_status = "Failed";
      state.last_update_status_reason = put.message();
      state.last_update_status_reason_code = "InternalError";
      return;
    }
  } else if (before->reserved_concurrency != after.reserved_concurrency) {
    if (Status s = registry_.SetReservedConcurrency(name, after.reserved_concurrency); !s.ok()) {
      spdlog::error("{}", s.message());
    }
  }
  // Published versions: each has its pool; a version never changes.
  if (before) {
    for (const auto& [number, version] : before->versions) {
      if (!after.versions.count(number)) registry_.RemoveVersion(name, version.version);
    }
  }
  for (auto& [number, version] : after.versions) {
    if (before && before->versions.count(number)) continue;
    if (Status s = registry_.PutVersion(name, version.version, version.config); !s.ok()) {
      spdlog::error("{}", s.message());
      version.state.state = "Failed";
      version.state.state_reason = s.message();
      version.state.state_reason_code = "InternalError";
    }
  }
  // Aliases route before the pool is reached.
  if (before) {
    for (const auto& [alias, unused] : before->aliases) {
      if (!after.aliases.count(alias)) registry_.RemoveAlias(name, alias);
    }
  }
  for (const auto& [alias_name, alias] : after.aliases) {
    if (before) {
      auto old = before->aliases.find(alias_name);
      if (old != before->aliases.end() && old->second == alias) continue;
    }
    registry_.PutAlias(name, alias_name, RouteOf(alias));
  }
  // Provisioned concurrency lives on versions; an alias's goes to its version.
  std::map<std::string, int> wanted;
  for (const auto& [qualifier, count] : after.provisioned) {
    auto alias = after.aliases.find(qualifier);
    wanted[alias == after.aliases.end() ? qualifier : alias->second.function_version] += count;
  }
  for (const auto& [number, version] : after.versions) {
    pool::FunctionPool* pool = registry_.FindVersion(name, version.version);
    int count = wanted.count(version.version) ? wanted[version.version] : 0;
    if (pool && pool->provisioned_concurrency() != count) pool->SetProvisionedConcurrency(count);
  }
}

}  // namespace lambda_emu::control
