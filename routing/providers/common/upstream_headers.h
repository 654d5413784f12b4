// Which client headers travel to a provider: everything but credentials, hop-by-hop
// fields and what the transport sets itself. The provider's own key is added by the
// dialect, never the client's.
#pragma once

#include "gateway/core/headers.h"

namespace tollgate::routing::providers {

core::Headers forwardable_request_headers(const core::Headers& client_headers);

}  // namespace tollgate::routing::providers
