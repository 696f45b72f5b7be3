// Documents from files, for `embed index` and `embed tfidf`: a plain text
// file holds one document per line; a .jsonl file one JSON object per line
// with a "text" string and optionally "id" (an integer >= 0), "title" and
// "path" (strings); its other fields are kept as the document's metadata.
#pragma once

#include <string>
#include <vector>

#include "embed/search/document_store.h"

namespace embed::cli {

// keep_empty: an empty line of a text file is an (empty) document, as
// scikit-learn sees it; otherwise it is skipped. Text documents get their
// "file:line" as path. At least one document, or InvalidArgument.
std::vector<search::Document> read_documents(const std::vector<std::string>& paths, bool keep_empty);
// Just the texts.
std::vector<std::string> read_texts(const std::vector<std::string>& paths);

}  // namespace embed::cli
