#include "upstream/http_types.hpp"

#include "upstream/url_encoding.hpp"

namespace mamute::upstream {

std::string Origin::to_string() const {
    std::string out = scheme + "://";
    // IPv6 literals are stored without brackets; a URL needs them.
    if (host.find(':') != std::string::npos)
        out += "[" + host + "]";
    else
        out += host;
    if (port != 0 && port != default_port(scheme)) out += ":" + std::to_string(port);
    return out;
}

}  // namespace mamute::upstream
