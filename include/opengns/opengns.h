// Umbrella header: the whole public API of opengns, including the document's UPPER_SNAKE
// compatibility names (namespace opengns::compat).
#pragma once

#include "opengns/compat.h"
#include "opengns/config.h"
#include "opengns/networking_sockets.h"
#include "opengns/trust.h"
#include "opengns/types.h"
