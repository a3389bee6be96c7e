#include "state/state_worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "lambda_emu/status.h"

namespace lambda_emu::state {

namespace asio = boost::asio;

TEST(StateWorker, RunReturnsTheValueAndResumesOnTheIoThread) {
  asio::io_context io;
  StateWorker worker(io);
  const auto io_thread = std::this_thread::get_id();
  std::thread::id work_thread, resumed_thread;
  int value = 0;
  bool done = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        value = co_await worker.Run<int>([&] {
          work_thread = std::this_thread::get_id();
          EXPECT_TRUE(worker.running_in_this_thread());
          return 42;
        });
        resumed_thread = std::this_thread::get_id();
        done = true;
      },
      asio::detached);
  io.run();
  EXPECT_TRUE(done);
  EXPECT_EQ(value, 42);
  EXPECT_NE(work_thread, io_thread);
  EXPECT_EQ(resumed_thread, io_thread);
  EXPECT_FALSE(worker.running_in_this_thread());
}

TEST(StateWorker, RunCarriesResultsVoidAndExceptions) {
  asio::io_context io;
  StateWorker worker(io);
  Result<std::string> result = Status::Error("unset");
  bool ran_void = false;
  std::string caught;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        result = co_await worker.Run<Result<std::string>>(
            []() -> Result<std::string> { return std::string("stored"); });
        co_await worker.Run<void>([&] { ran_void = true; });
        try {
          co_await worker.Run<int>([]() -> int { throw std::runtime_error("disk on fire"); });
        } catch (const std::runtime_error& e) {
          caught = e.what();
        }
      },
      asio::detached);
  io.run();
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, "stored");
  EXPECT_TRUE(ran_void);
  EXPECT_EQ(caught, "disk on fire");
}

TEST(StateWorker, RunBlockingRunsOnTheWorkerInOrder) {
  asio::io_context io;
  StateWorker worker(io);
  std::vector<int> order;  // touched only on the worker, read after RunBlocking
  std::thread::id first, second;
  worker.RunBlocking<void>([&] {
    first = std::this_thread::get_id();
    order.push_back(1);
  });
  int value = worker.RunBlocking<int>([&] {
    second = std::this_thread::get_id();
    order.push_back(2);
    return 7;
  });
  EXPECT_EQ(value, 7);
  EXPECT_EQ(first, second);
  EXPECT_NE(first, std::this_thread::get_id());
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(StateWorker, DestroyingTheWorkerRunsQueuedWork) {
  asio::io_context io;
  std::atomic<int> ran{0};
  int resumed = 0;
  auto worker = std::make_unique<StateWorker>(io);
  for (int i = 0; i < 3; ++i) {
    asio::co_spawn(
        io,
        [&, w = worker.get()]() -> asio::awaitable<void> {
          int n = co_await w->Run<int>([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(30));
            return ++ran;
          });
          EXPECT_GE(n, 1);
          ++resumed;
        },
        asio::detached);
  }
  io.poll();  // each coroutine starts and queues its work on the worker
  worker.reset();
  EXPECT_EQ(ran.load(), 3);
  io.run();  // the coroutines resume with their results
  EXPECT_EQ(resumed, 3);
}

}  // namespace lambda_emu::state
