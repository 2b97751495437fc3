#pragma once
// Expands local "$ref"s into self-contained JSON, safely.
//
// Policy (kept the same everywhere):
//  - A "$ref" that is already being expanded higher up the current chain becomes
//    {"$ref": "<ref>", "x-circular": true}, so self-recursive schemas terminate.
//  - Expansion stops at `max_ref_depth` nested refs, or once `node_budget` nodes have been produced
//    since the last reset_budget(); the cut place becomes {"$ref": "<ref>", "x-truncated": true}.
//  - Objects the operation model cannot do without (parameters, request bodies, responses, path
//    items) must resolve: resolve_required() reports a missing target as an error naming the file
//    and the JSON pointer of the "$ref". Anything deeper (schemas, examples, headers) is shown as
//    {"$ref": "<ref>", "x-unresolved": true}: one missing schema should not make a whole spec
//    unusable. External refs (other files, URLs) are "x-unresolved" the same way for now.
//  - Sibling keys next to a "$ref" (allowed by OpenAPI 3.1) are kept and override the target's.
#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"

namespace mamute::catalog {

struct ResolveLimits {
    std::size_t max_ref_depth = 12;
    std::size_t node_budget = 20000;  // per reset_budget(), i.e. per operation
    std::size_t max_json_depth = 256;
};

class RefResolver {
public:
    RefResolver(const boost::json::value& document, std::string source, ResolveLimits limits = {});

    // Deep copy of `value` with every local "$ref" expanded under the policy above.
    boost::json::value resolve(const boost::json::value& value);

    // Like resolve(), but when `value` itself is a "$ref" (or a chain of them) the target must
    // exist; `pointer` is where `value` sits in the document, for the error message.
    Expected<boost::json::value> resolve_required(const boost::json::value& value, std::string_view pointer);

    // Follows a top-level "$ref" chain without expanding anything below it.
    Expected<const boost::json::value*> follow(const boost::json::value& value, std::string_view pointer);

    void reset_budget() { nodes_ = 0; }
    std::size_t nodes_produced() const { return nodes_; }

private:
    boost::json::value expand(const boost::json::value& value, bool name_map, std::size_t depth);
    boost::json::value expand_ref(const boost::json::object& object, std::string_view ref, std::size_t depth);
    bool on_stack(std::string_view ref) const;

    const boost::json::value& document_;
    std::string source_;
    ResolveLimits limits_;
    std::vector<std::string> stack_;  // refs being expanded, outermost first
    std::size_t nodes_ = 0;
};

// {"$ref": ref, "<flag>": true}: how a cut, circular or missing reference is shown.
boost::json::value ref_marker(std::string_view ref, std::string_view flag);

}  // namespace mamute::catalog
