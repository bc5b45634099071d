#include "services/common/server/private_files.h"

#include <sys/stat.h>

#include <filesystem>

#include "services/common/core/log.h"

namespace trustsphere {
namespace {

namespace fs = std::filesystem;

void RemoveGroupAndOther(const fs::path& path) {
  std::error_code error;
  const fs::file_status status = fs::symlink_status(path, error);
  if (error || fs::is_symlink(status)) return;
  const fs::perms current = status.permissions();
  const fs::perms shared = fs::perms::group_all | fs::perms::others_all;
  if ((current & shared) == fs::perms::none) return;
  fs::permissions(path, shared, fs::perm_options::remove, error);
  if (error) {
    Log(LogLevel::kWarning, "cannot make a file private",
        {F("path", path.string()), F("error", error.message())});
  }
}

}  // namespace

void CreateFilesPrivately() { umask(S_IRWXG | S_IRWXO); }

void RestrictToOwner(const std::string& path) {
  std::error_code error;
  if (!fs::exists(path, error)) return;
  RemoveGroupAndOther(path);
  if (!fs::is_directory(path, error)) return;
  for (auto it = fs::recursive_directory_iterator(
           path, fs::directory_options::skip_permission_denied, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    RemoveGroupAndOther(it->path());
  }
}

}  // namespace trustsphere
