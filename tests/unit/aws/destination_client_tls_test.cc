// DestinationClient to an https endpoint: an in-process TLS fake with a
// certificate made here, trusted (or not) through AWS_CA_BUNDLE.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdio>
#include <fstream>
#include <optional>

#include "aws/destination_client.h"

namespace lambda_emu::aws {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

struct Certificate {
  std::string cert_pem;
  std::string key_pem;
};

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

// A self-signed P-256 certificate for `subject_alt_name` ("IP:127.0.0.1").
Certificate MakeCertificate(const char* subject_alt_name) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("fake-aws"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, subject_alt_name},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    X509_add_ext(cert, extension, -1);
    X509_EXTENSION_free(extension);
  }
  X509_sign(cert, key, EVP_sha256());
  BIO* cert_bio = BIO_new(BIO_s_mem());
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, cert);
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  Certificate out{BioText(cert_bio), BioText(key_bio)};
  BIO_free(cert_bio);
  BIO_free(key_bio);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

// Sets an environment variable for one test and restores it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class TlsFake {
 public:
  TlsFake(asio::io_context& io, const Certificate& certificate)
      : io_(io),
        context_(ssl::context::tls_server),
        acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}) {
    context_.use_certificate_chain(asio::buffer(certificate.cert_pem));
    context_.use_private_key(asio::buffer(certificate.key_pem), ssl::context::pem);
    asio::co_spawn(io_, Accept(), asio::detached);
  }
  std::string url() const {
    return "https://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  std::vector<http::request<http::string_body>> requests;

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      auto [error, socket] = co_await acceptor_.async_accept(kAwait);
      if (error) co_return;
      asio::co_spawn(io_, Serve(std::move(socket)), asio::detached);
    }
  }
  asio::awaitable<void> Serve(tcp::socket socket) {
    ssl::stream<tcp::socket> stream(std::move(socket), context_);
    auto [handshake_error] = co_await stream.async_handshake(ssl::stream_base::server, kAwait);
    if (handshake_error) co_return;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    auto [read_error, read] = co_await http::async_read(stream, buffer, request, kAwait);
    if (read_error) co_return;
    requests.push_back(request);
    http::response<http::string_body> reply(http::status::ok, 11);
    reply.body() = R"({"MessageId":"m-1"})";
    reply.prepare_payload();
    co_await http::async_write(stream, reply, kAwait);
  }

  asio::io_context& io_;
  ssl::context context_;
  tcp::acceptor acceptor_;
};

class DestinationClientTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char path[] = "/tmp/lambda-emu-ca-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    bundle_ = path;
  }
  void TearDown() override { std::remove(bundle_.c_str()); }

  void Trust(const Certificate& certificate) { std::ofstream(bundle_) << certificate.cert_pem; }

  Status Send(const std::string& url) {
    DestinationClient client(io_, url, Credentials{"test", "test", ""});
    client.set_timeout(std::chrono::milliseconds(5000));
    Message message;
    message.arn = "arn:aws:sqs:us-east-1:000000000000:q";
    message.body = "{}";
    std::optional<Status> result;
    asio::co_spawn(io_, client.Send(std::move(message)),
                   [&](std::exception_ptr error, Status status) {
                     result = error ? Status::Error("exception") : std::move(status);
                   });
    while (!result) io_.run_one();
    return *result;
  }

  asio::io_context io_;
  std::string bundle_;
  Certificate server_cert_ = MakeCertificate("IP:127.0.0.1");
};

TEST_F(DestinationClientTlsTest, SendsOverHttpsToATrustedCertificate) {
  TlsFake fake(io_, server_cert_);
  Trust(server_cert_);
  ScopedEnv env("AWS_CA_BUNDLE", bundle_);
  Status status = Send(fake.url());
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(fake.requests.size(), 1u);
  EXPECT_EQ(fake.requests[0]["X-Amz-Target"], "AmazonSQS.SendMessage");
  EXPECT_EQ(fake.requests[0][http::field::host], fake.url().substr(8));
}

TEST_F(DestinationClientTlsTest, RefusesAnUntrustedCertificate) {
  TlsFake fake(io_, server_cert_);
  Trust(MakeCertificate("IP:127.0.0.1"));  // another key: not the server's
  ScopedEnv env("AWS_CA_BUNDLE", bundle_);
  Status status = Send(fake.url());
  EXPECT_NE(status.message().find("TLS handshake failed: certificate verify failed"),
            std::string::npos)
      << status.message();
  EXPECT_TRUE(fake.requests.empty());
}

TEST_F(DestinationClientTlsTest, RefusesACertificateForAnotherHost) {
  Certificate other_host = MakeCertificate("IP:127.0.0.2");
  TlsFake fake(io_, other_host);
  Trust(other_host);
  ScopedEnv env("AWS_CA_BUNDLE", bundle_);
  Status status = Send(fake.url());
  EXPECT_NE(status.message().find("TLS handshake failed"), std::string::npos) << status.message();
  EXPECT_TRUE(fake.requests.empty());
}

TEST_F(DestinationClientTlsTest, AnUnreadableCaBundleIsTheError) {
  ScopedEnv env("AWS_CA_BUNDLE", "/nonexistent/ca.pem");
  Status status = Send("https://127.0.0.1:1");
  EXPECT_NE(status.message().find("AWS_CA_BUNDLE /nonexistent/ca.pem"), std::string::npos)
      << status.message();
}

}  // namespace
}  // namespace lambda_emu::aws
