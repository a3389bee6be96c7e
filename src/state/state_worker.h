#pragma once
// StateWorker: one background thread that runs the state directory's
// blocking work (SQLite commits, fsyncs, blob writes) off the io thread. Work
// runs in the order it was queued, one item at a time, so a StateStore used
// only through one StateWorker is used from one thread at a time.
//
// Run() is awaited by a coroutine on the io_context: the work runs on the
// worker thread and the coroutine resumes on its own executor (the io
// thread) with the result. RunBlocking() is for start-up, before the io loop
// runs. The destructor finishes every queued item, then joins the thread;
// the io_context must outlive the worker. Run and RunBlocking may be called
// from any thread but the worker's own (RunBlocking there would deadlock).

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <functional>
#include <future>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace lambda_emu::state {

class StateWorker {
 public:
  explicit StateWorker(boost::asio::io_context& io);  // starts the thread
  ~StateWorker();                                     // finishes queued work, joins
  StateWorker(const StateWorker&) = delete;
  StateWorker& operator=(const StateWorker&) = delete;

  // Runs `work` on the worker thread and resumes the awaiting coroutine on
  // its executor with the result. An exception `work` throws is rethrown in
  // the coroutine.
  template <typename T>
  boost::asio::awaitable<T> Run(std::function<T()> work);

  // Runs `work` on the worker thread and waits for it.
  template <typename T>
  T RunBlocking(std::function<T()> work);

  // True on the worker thread (for assertions).
  bool running_in_this_thread() const { return executor_.running_in_this_thread(); }

 private:
  boost::asio::io_context& io_;
  boost::asio::thread_pool pool_{1};
  boost::asio::thread_pool::executor_type executor_ = pool_.get_executor();
};

template <typename T>
boost::asio::awaitable<T> StateWorker::Run(std::function<T()> work) {
  using Value = std::conditional_t<std::is_void_v<T>, std::monostate, T>;
  // `work`, the result and the exception live in this coroutine's frame,
  // which the completion handler keeps alive until it resumes us. GCC 12 may
  // destroy temporaries of a co_await expression twice, so the initiation
  // captures only pointers.
  std::optional<Value> result;
  std::exception_ptr error;
  auto* work_ptr = &work;
  auto* result_ptr = &result;
  auto* error_ptr = &error;
  auto* pool = &pool_;
  auto* io = &io_;
  co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void()>(
      [pool, io, work_ptr, result_ptr, error_ptr](auto handler) {
        // Keeps io.run() from returning while the work is on the worker.
        auto io_work = boost::asio::make_work_guard(*io);
        boost::asio::post(*pool, [io, work_ptr, result_ptr, error_ptr, io_work = std::move(io_work),
                                  handler = std::move(handler)]() mutable {
          try {
            if constexpr (std::is_void_v<T>) {
              (*work_ptr)();
              result_ptr->emplace();
            } else {
              result_ptr->emplace((*work_ptr)());
            }
          } catch (...) {
            *error_ptr = std::current_exception();
          }
          // The frame is not touched after this: the io thread owns it again.
          boost::asio::post(*io, std::move(handler));
          io_work.reset();
        });
      },
      boost::asio::use_awaitable);
  if (error) std::rethrow_exception(error);
  if constexpr (std::is_void_v<T>) {
    co_return;
  } else {
    co_return std::move(*result);
  }
}

template <typename T>
T StateWorker::RunBlocking(std::function<T()> work) {
  // The task moves to the worker, which owns it until it has run: the caller
  // may return as soon as the future is ready.
  std::packaged_task<T()> task(std::move(work));
  std::future<T> future = task.get_future();
  boost::asio::post(pool_, std::move(task));
  return future.get();
}

}  // namespace lambda_emu::state
