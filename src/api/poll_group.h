// One poll group (lifecycle.md §6.4). Creating and destroying groups is pure bookkeeping
// and works now; the group's message queue arrives with message delivery (#5).
#pragma once

namespace opengns::api {

struct PollGroup {};

}  // namespace opengns::api
