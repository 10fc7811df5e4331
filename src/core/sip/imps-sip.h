/* SIP for impsim: URIs, messages, typed headers. */
#pragma once

#include "imps-sip-uri.h"
#include "imps-sip-message.h"
#include "imps-sip-headers.h"
#include "imps-sip-dialog.h"
