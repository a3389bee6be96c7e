#include "state/state_worker.h"

namespace lambda_emu::state {

StateWorker::StateWorker(boost::asio::io_context& io) : io_(io) {}

// join() without stop() waits until the pool has no outstanding work: every
// queued item runs, and each Run's result is posted to the io_context.
StateWorker::~StateWorker() { pool_.join(); }

}  // namespace lambda_emu::state
