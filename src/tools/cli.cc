#include "tools/cli.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace pmdcon::tools {

absl::StatusOr<uint64_t> ParseSize(std::string_view text) {
  uint64_t mult = 1;
  std::string_view digits = text;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'K':
      case 'k':
        mult = 1ull << 10;
        break;
      case 'M':
      case 'm':
        mult = 1ull << 20;
        break;
      case 'G':
      case 'g':
        mult = 1ull << 30;
        break;
      default:
        break;
    }
    if (mult != 1) digits.remove_suffix(1);
  }
  uint64_t n = 0;
  if (digits.empty() || !absl::SimpleAtoi(std::string(digits), &n) ||
      n > UINT64_MAX / mult) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad size \"", std::string(text),
                     "\" (expected e.g. 65536, 64K, 16M)"));
  }
  return n * mult;
}

namespace {

// The tool's own flags, not Abseil's (--flagfile and friends).
bool Ours(const absl::CommandLineFlag& f) {
  return f.Filename().find("absl/") == absl::string_view::npos;
}

void PrintHelp(std::string_view tool, const char* usage) {
  std::printf("%s\n\nflags:\n", usage);
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (Ours(*flag)) flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(),
            [](const auto* a, const auto* b) { return a->Name() < b->Name(); });
  for (const auto* f : flags) {
    std::printf("  --%s (default \"%s\")\n      %s\n",
                std::string(f->Name()).c_str(), f->DefaultValue().c_str(),
                std::string(f->Help()).c_str());
  }
  std::printf("\n%.*s --help prints this.\n", static_cast<int>(tool.size()),
              tool.data());
}

[[noreturn]] void Usage(std::string_view tool, const std::string& why) {
  Die(tool, absl::InvalidArgumentError(absl::StrCat(why, " (see --help)")), 2);
}

}  // namespace

void ParseFlags(int argc, char** argv, std::string_view tool,
                const char* usage) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.size() < 2 || a[0] != '-') {
      Usage(tool, absl::StrCat("unexpected argument \"", std::string(a), "\""));
    }
    a.remove_prefix(a[1] == '-' ? 2 : 1);
    const size_t eq = a.find('=');
    const std::string name(a.substr(0, eq));
    const bool has_value = eq != std::string_view::npos;
    std::string value = has_value ? std::string(a.substr(eq + 1)) : "";
    if (name == "help" || name == "h" || name == "helpfull") {
      PrintHelp(tool, usage);
      std::exit(0);
    }
    absl::CommandLineFlag* f = absl::FindCommandLineFlag(name);
    bool negated = false;
    if (!f && absl::StartsWith(name, "no")) {
      f = absl::FindCommandLineFlag(name.substr(2));
      negated = f && f->IsOfType<bool>() && !has_value;
      if (!negated) f = nullptr;
    }
    if (!f || !Ours(*f)) Usage(tool, absl::StrCat("unknown flag --", name));
    if (f->IsOfType<bool>()) {
      if (!has_value) value = negated ? "false" : "true";
    } else if (!has_value) {
      if (i + 1 == argc)
        Usage(tool, absl::StrCat("--", name, " needs a value"));
      value = argv[++i];
    }
    std::string err;
    if (!f->ParseFrom(value, &err)) {
      Usage(tool, absl::StrCat("--", name, "=", value, ": ", err));
    }
  }
}

void Die(std::string_view tool, const absl::Status& status, int code) {
  std::fprintf(stderr, "%.*s: %.*s\n", static_cast<int>(tool.size()),
               tool.data(), static_cast<int>(status.message().size()),
               status.message().data());
  std::exit(code);
}

}  // namespace pmdcon::tools
