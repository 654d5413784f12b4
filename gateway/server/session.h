// Serves one accepted connection: HTTP/1.1 keep-alive, request limits and timeouts,
// TLS when the listener has it, and answers written through a ResponseSink. The only
// Beast-heavy translation unit on the server side.
#pragma once

#include <boost/asio/ip/tcp.hpp>

namespace boost::asio::ssl {
class context;
}

namespace tollgate::core {
class HttpHandler;
}

namespace tollgate::gateway::server {

class Worker;

// Takes ownership of `socket`; runs on the worker's io_context until the connection
// ends. `tls` null means plain HTTP.
void start_session(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context* tls,
                   core::HttpHandler& handler, Worker& worker);

}  // namespace tollgate::gateway::server
