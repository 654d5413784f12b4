// conf/tollgate.yaml, compiled into the binary so `tollgate` runs with no file at all.
#pragma once

#include <string_view>

namespace tollgate::gateway {

std::string_view embedded_default_config();

}  // namespace tollgate::gateway
