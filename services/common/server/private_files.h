#pragma once

// A server's files hold emails, password hashes, private statements and
// signing keys: only the account the server runs as may read them.

#include <string>

namespace trustsphere {

// From now on this process creates files 0600 and folders 0700, whatever
// umask it was started with.
void CreateFilesPrivately();

// Takes group and other permissions off `path` and everything under it
// (what an earlier version or a script left readable). What cannot be
// changed (a read-only mount, a folder owned by another account) is logged
// and left as it is; a missing path is nothing to do.
void RestrictToOwner(const std::string& path);

}  // namespace trustsphere
