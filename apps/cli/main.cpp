// The `embed` command: `embed <area> <verb> [options]`. Thin: parse options,
// call the library, print. Library errors become one line on stderr and exit 1.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "apps/cli/commands.h"
#include "embed/core/error.h"
#include "embed/core/parallel.h"
#include "embed/core/progress.h"

int main(int argc, char** argv) {
  CLI::App app{
      "embed.cpp: embeddings for text, images, audio, tables and graphs, and search over them.\n"
      "Areas available in this build: demo, inspect, tokenizer (more arrive with tfidf, word2vec,\n"
      "text, image, audio, table, graph, index and serve)."};
  app.set_version_flag("--version", std::string("embed ") + EMBED_VERSION);
  app.require_subcommand(1);
  int threads = 0;
  app.add_option("--threads", threads, "threads for our loops and BLAS (default: all cores)")
      ->check(CLI::PositiveNumber);

  embed::cli::DemoOptions demo;
  auto* demo_cmd = app.add_subcommand("demo", "train a small MLP end to end, save and reload it (safetensors)");
  demo_cmd->add_option("--seed", demo.seed, "random seed");
  demo_cmd->add_option("--steps", demo.steps, "training steps")->check(CLI::Range(1, 100000));
  demo_cmd->add_option("-o,--output", demo.output, "where to write the trained weights");

  std::string inspect_path;
  auto* inspect_cmd = app.add_subcommand("inspect", "describe a .npy or .safetensors file");
  inspect_cmd->add_option("file", inspect_path, "file to describe")->required();

  embed::cli::TokenizerOptions tok;
  auto* tok_cmd = app.add_subcommand("tokenizer", "encode and decode with a Hugging Face tokenizer.json");
  tok_cmd->require_subcommand(1);
  auto* encode_cmd = tok_cmd->add_subcommand("encode", "stdin lines -> JSON lines of ids, tokens and byte offsets");
  encode_cmd->add_option("tokenizer", tok.tokenizer, "tokenizer.json")->required()->check(CLI::ExistingFile);
  encode_cmd->add_flag("!--no-special-tokens", tok.add_special_tokens, "leave out [CLS]/[SEP] and the like");
  encode_cmd->add_flag("--ids", tok.ids_only, "print only the ids, separated by spaces");
  auto* decode_cmd = tok_cmd->add_subcommand("decode", "stdin JSON arrays of ids -> text lines");
  decode_cmd->add_option("tokenizer", tok.tokenizer, "tokenizer.json")->required()->check(CLI::ExistingFile);
  decode_cmd->add_flag("!--keep-special-tokens", tok.skip_special_tokens, "print special tokens too");

  embed::cli::TokenizerTrainOptions train;
  auto* train_cmd = tok_cmd->add_subcommand("train", "train a tokenizer on text files, write a tokenizer.json");
  train_cmd->add_option("--model", train.model, "bpe | wordpiece | word")
      ->check(CLI::IsMember({"bpe", "wordpiece", "word"}));
  train_cmd->add_option("--vocab-size", train.vocab_size, "vocabulary size, special tokens included")
      ->check(CLI::PositiveNumber);
  train_cmd->add_option("--min-frequency", train.min_frequency, "rarest pair (or word) to keep")
      ->check(CLI::PositiveNumber);
  train_cmd->add_option("--criterion", train.criterion, "wordpiece: likelihood | frequency")
      ->check(CLI::IsMember({"likelihood", "frequency"}));
  train_cmd->add_flag("--lowercase", train.lowercase, "lowercase before training (and encoding)");
  train_cmd->add_option("corpus", train.corpus, "UTF-8 text files")->required()->check(CLI::ExistingFile);
  train_cmd->add_option("-o,--output", train.output, "where to write the tokenizer.json");

  CLI11_PARSE(app, argc, argv);
  embed::install_interrupt_handler();
  try {
    if (threads > 0) embed::set_num_threads(threads);
    if (*demo_cmd) return embed::cli::run_demo(demo);
    if (*inspect_cmd) return embed::cli::run_inspect(inspect_path);
    if (*encode_cmd) return embed::cli::run_tokenizer_encode(tok);
    if (*train_cmd) return embed::cli::run_tokenizer_train(train);
    if (*decode_cmd) return embed::cli::run_tokenizer_decode(tok);
  } catch (const embed::Interrupted& e) {
    std::fprintf(stderr, "embed: %s\n", e.what());
    return 130;  // the shell's code for "ended by SIGINT"
  } catch (const embed::Error& e) {
    std::fprintf(stderr, "embed: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "embed: unexpected error: %s\n", e.what());
    return 2;
  }
  return 0;
}
