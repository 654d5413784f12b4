// Pure translations between OpenAI's chat completions and Google's Gemini API
// (generativelanguage.googleapis.com, v1beta generateContent / streamGenerateContent /
// batchEmbedContents), one concern per file; this header gathers them for the provider
// (gemini_provider.cpp). No I/O in any of them, so every mapping is unit-tested on its own
// (tests/unit/routing/gemini_*_test.cpp).
#pragma once

#include "routing/providers/gemini/gemini_embeddings.h"
#include "routing/providers/gemini/gemini_errors.h"
#include "routing/providers/gemini/gemini_request.h"
#include "routing/providers/gemini/gemini_response.h"
#include "routing/providers/gemini/gemini_stream.h"
