// The upstream transport over HTTP/1.1 and TLS: one per worker thread, with keep-alive
// connections pooled per (scheme, host, port, TLS settings), so no lock is shared.
// Beast stays inside http_upstream.cpp.
#pragma once

#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "gateway/core/upstream.h"

namespace tollgate::gateway::upstream {

std::unique_ptr<core::UpstreamTransport> make_http_upstream(boost::asio::any_io_executor executor);

}  // namespace tollgate::gateway::upstream
