#pragma once
// The operation model as compact JSON for agents (get-endpoint, get-server-variables, and error
// messages elsewhere). Empty fields are left out to keep tool results small.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <vector>

#include "catalog/catalog.hpp"

namespace mamute::catalog {

// {name, in, required, description?, schema?, style?/explode? (when not the default), allowReserved?, example?}
boost::json::object describe_parameter(const Parameter& parameter);

// [{url, description?, variables?: {name: {default, enum?, description?}}}]
boost::json::array describe_servers(const std::vector<Server>& servers);

// {requirements: [...as in the spec...], schemes: {name: scheme definition}} for the schemes named.
boost::json::object describe_security(const Spec& spec, const Operation& operation);

// method (upper case), path, operationId, summary, description, tags, deprecated, parameters,
// requestBody, responses, security, servers.
// `with_bodies` false leaves out requestBody and responses (the large parts), for callers that
// render those themselves, e.g. bounded to a depth.
boost::json::object describe_operation(const Spec& spec, const Operation& operation, bool with_bodies = true);

// "POST /cdn/resource/{id}/purge/url"
std::string operation_label(const Operation& operation);

}  // namespace mamute::catalog
