// The native echo function: a `provided` runtime `bootstrap` that answers every invocation with the
// event it was given. It speaks the Lambda Runtime API directly over one keep-alive connection with
// blocking sockets (no allocation beyond one growing buffer, no JSON parsing), so that an invoke of
// it measures the emulator and almost nothing else.
//
// Run without AWS_LAMBDA_RUNTIME_API it exits 0 at once: that is the "bare start" the cold-start
// benchmark subtracts.

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "echo bootstrap: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

class RuntimeApiConnection {
 public:
  explicit RuntimeApiConnection(std::string endpoint) : endpoint_(std::move(endpoint)) {
    const auto colon = endpoint_.rfind(':');
    if (colon == std::string::npos) {
      errno = EINVAL;
      Die("AWS_LAMBDA_RUNTIME_API is not host:port");
    }
    host_ = endpoint_.substr(0, colon);
    port_ = endpoint_.substr(colon + 1);
    next_request_ = "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: " + endpoint_ + "\r\n\r\n";
  }

  void Run() {
    std::string id;
    std::string event;
    while (true) {
      if (fd_ < 0) Connect();
      if (!SendAll(next_request_.data(), next_request_.size(), nullptr, 0) ||
          !ReadResponse(&id, &event)) {
        Reconnect();
        continue;
      }
      if (status_ != 200 || id.empty()) {
        std::fprintf(stderr, "echo bootstrap: /next answered %d\n", status_);
        std::exit(1);
      }
      head_.assign("POST /2018-06-01/runtime/invocation/");
      head_ += id;
      head_ += "/response HTTP/1.1\r\nHost: ";
      head_ += endpoint_;
      head_ += "\r\nContent-Type: application/json\r\nContent-Length: ";
      head_ += std::to_string(event.size());
      head_ += "\r\n\r\n";
      if (!SendAll(head_.data(), head_.size(), event.data(), event.size()) ||
          !ReadResponse(nullptr, nullptr)) {
        // The response may or may not have landed; the emulator owns that outcome now.
        Reconnect();
      }
    }
  }

 private:
  void Connect() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(host_.c_str(), port_.c_str(), &hints, &res) != 0 || res == nullptr) Die("getaddrinfo");
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
      fd_ = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd_ < 0) continue;
      if (connect(fd_, ai->ai_addr, ai->ai_addrlen) == 0) break;
      close(fd_);
      fd_ = -1;
    }
    freeaddrinfo(res);
    if (fd_ < 0) Die("connect to the Runtime API");
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    buf_.clear();
  }

  void Reconnect() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    if (++reconnects_ > 100) Die("too many reconnects");
  }

  bool SendAll(const char* a, size_t alen, const char* b, size_t blen) {
    iovec iov[2] = {{const_cast<char*>(a), alen}, {const_cast<char*>(b), blen}};
    int idx = 0;
    while (idx < 2) {
      if (iov[idx].iov_len == 0) {
        ++idx;
        continue;
      }
      const ssize_t n = writev(fd_, iov + idx, 2 - idx);
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      auto left = static_cast<size_t>(n);
      while (idx < 2 && left >= iov[idx].iov_len) {
        left -= iov[idx].iov_len;
        ++idx;
      }
      if (idx < 2) {
        iov[idx].iov_base = static_cast<char*>(iov[idx].iov_base) + left;
        iov[idx].iov_len -= left;
      }
    }
    return true;
  }

  // Appends whatever the socket has to buf_; false on EOF or error.
  bool Fill() {
    char chunk[65536];
    while (true) {
      const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n > 0) {
        buf_.append(chunk, static_cast<size_t>(n));
        return true;
      }
      if (n < 0 && errno == EINTR) continue;
      return false;
    }
  }

  static bool HeaderIs(std::string_view line, std::string_view name, std::string_view* value) {
    if (line.size() <= name.size() || line[name.size()] != ':') return false;
    if (strncasecmp(line.data(), name.data(), name.size()) != 0) return false;
    auto v = line.substr(name.size() + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    *value = v;
    return true;
  }

  // Reads one response; fills the request id and body when asked for them.
  bool ReadResponse(std::string* id, std::string* body) {
    size_t head_end;
    while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return false;
    }
    std::string_view head(buf_.data(), head_end);
    status_ = 0;
    if (head.size() > 12) status_ = std::atoi(std::string(head.substr(9, 3)).c_str());
    size_t content_length = 0;
    bool chunked = false;
    if (id != nullptr) id->clear();
    size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos < head.size()) {
      const size_t next = head.find("\r\n", pos + 2);
      const auto line = head.substr(pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
      std::string_view v;
      if (HeaderIs(line, "Content-Length", &v)) {
        content_length = std::strtoull(std::string(v).c_str(), nullptr, 10);
      } else if (HeaderIs(line, "Transfer-Encoding", &v)) {
        chunked = v.find("chunked") != std::string_view::npos;
      } else if (id != nullptr && HeaderIs(line, "Lambda-Runtime-Aws-Request-Id", &v)) {
        id->assign(v);
      }
      pos = next;
    }
    buf_.erase(0, head_end + 4);
    std::string scratch;
    std::string& out = body != nullptr ? *body : scratch;
    out.clear();
    if (!chunked) {
      while (buf_.size() < content_length) {
        if (!Fill()) return false;
      }
      out.assign(buf_, 0, content_length);
      buf_.erase(0, content_length);
      return true;
    }
    while (true) {
      size_t line_end;
      while ((line_end = buf_.find("\r\n")) == std::string::npos) {
        if (!Fill()) return false;
      }
      const size_t size = std::strtoull(buf_.c_str(), nullptr, 16);
      buf_.erase(0, line_end + 2);
      if (size == 0) {
        // Trailers (none expected) end with an empty line.
        while ((line_end = buf_.find("\r\n")) == std::string::npos) {
          if (!Fill()) return false;
        }
        buf_.erase(0, line_end + 2);
        return true;
      }
      while (buf_.size() < size + 2) {
        if (!Fill()) return false;
      }
      out.append(buf_, 0, size);
      buf_.erase(0, size + 2);
    }
  }

  std::string endpoint_, host_, port_;
  std::string next_request_;
  std::string head_;
  std::string buf_;
  int fd_ = -1;
  int status_ = 0;
  int reconnects_ = 0;
};

}  // namespace

int main() {
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (api == nullptr || *api == '\0') return 0;
  RuntimeApiConnection(api).Run();
}
