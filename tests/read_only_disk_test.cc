// A disk that turns read-only under a running server: its database lives
// on an ext4 file system of its own (a loop-mounted image, errors=remount-ro)
// that the kernel is told to find an error in, which remounts it read-only
// with the server's files open, as a failing disk does. Health and the
// metrics port's probes must say so (NOT_SERVING, then a request for a
// restart), and once the disk is repaired a restarted server has every
// acknowledged write. Needs root, for mount.

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/support/child_process.h"
#include "tests/support/identity_client.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

namespace trustsphere::testing {
namespace {

using namespace std::chrono_literals;

// An ext4 image mounted on a folder; unmounted (and its loop device freed)
// on destruction.
class LoopFileSystem {
 public:
  LoopFileSystem(std::string image, std::string folder)
      : image_(std::move(image)), folder_(std::move(folder)) {}
  ~LoopFileSystem() { Unmount(); }

  // Makes the image (64 MiB) and mounts it.
  ::testing::AssertionResult Create() {
    std::filesystem::create_directories(folder_);
    std::ofstream(image_).close();
    std::filesystem::resize_file(image_, 64 << 20);
    if (auto made = Run({"/usr/sbin/mkfs.ext4", "-q", "-F", image_}); !made) return made;
    return Mount();
  }

  ::testing::AssertionResult Mount() {
    auto mounted = Run({"/usr/bin/mount", "-o", "loop,errors=remount-ro", image_, folder_});
    if (!mounted) return mounted;
    const Finished source = RunToEnd({"/usr/bin/findmnt", "-n", "-o", "SOURCE", folder_}, 10s);
    device_ = std::filesystem::path(source.output.substr(0, source.output.find('\n'))).filename();
    mounted_ = !device_.empty();
    return mounted_ ? ::testing::AssertionSuccess()
                    : ::testing::AssertionFailure() << "no device under " << folder_;
  }

  // The kernel's test hook for a file system error: with errors=remount-ro
  // the file system turns read-only at once, open files or not.
  ::testing::AssertionResult FailDisk() {
    std::ofstream trigger("/sys/fs/ext4/" + device_ + "/trigger_fs_error");
    trigger << "read_only_disk_test";
    trigger.close();
    if (!trigger) return ::testing::AssertionFailure() << "cannot trigger an error on " << device_;
    return ::testing::AssertionSuccess();
  }

  // Unmounts, repairs the image as an operator would (e2fsck -y: 0 clean,
  // 1 errors corrected), and mounts it again.
  ::testing::AssertionResult Repair() {
    if (auto unmounted = Unmount(); !unmounted) return unmounted;
    const Finished checked = RunToEnd({"/usr/sbin/e2fsck", "-f", "-y", image_}, 60s);
    if (checked.exit_code != 0 && checked.exit_code != 1) {
      return ::testing::AssertionFailure() << "e2fsck exited " << checked.exit_code;
    }
    return Mount();
  }

 private:
  static ::testing::AssertionResult Run(const std::vector<std::string>& argv) {
    const Finished finished = RunToEnd(argv, 60s);
    if (finished.exit_code == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << argv[0] << " exited " << finished.exit_code;
  }

  ::testing::AssertionResult Unmount() {
    if (!mounted_) return ::testing::AssertionSuccess();
    mounted_ = false;
    return Run({"/usr/bin/umount", folder_});
  }

  const std::string image_;
  const std::string folder_;
  std::string device_;
  bool mounted_ = false;
};

// What the metrics port answers on `path` (/readyz, /livez): its status.
int Probe(const ServerProcess& server, const std::string& path) {
  const std::string& address = server.metrics_address();
  httplib::Client client(address.substr(0, address.rfind(':')),
                         std::stoi(address.substr(address.rfind(':') + 1)));
  auto response = client.Get(path);
  return response ? response->status : -1;
}

TEST(ReadOnlyDiskTest, HealthSaysSoAndARestartOnTheRepairedDiskHasEveryWrite) {
  ASSERT_EQ(geteuid(), 0u) << "mounting a file system needs root";
  TempDir dir;
  LoopFileSystem disk(dir.Sub("disk.img"), dir.Sub("disk"));
  ASSERT_TRUE(disk.Create());
  const std::vector<std::string> flags = {"--data_dir=" + dir.Sub("disk/identity"),
                                          "--signing_key_file=" + dir.Sub("signing_key.json"),
                                          "--metrics_listen=127.0.0.1:0",
                                          "--health_probe_period=100ms",
                                          "--restart_unwritable_after=1s",
                                          "--password_hash_memory_kib=8192",
                                          "--password_hash_passes=1"};
  auto server = ServerProcess::Start(IDENTITY_SERVER, flags);
  ASSERT_NE(server, nullptr);
  auto identity = identity_v1::IdentityService::NewStub(server->NewChannel());
  const Account jacques = SignUp(*identity, "Jacques", "jacques@example.fr");
  EXPECT_EQ(Probe(*server, "/readyz"), 200);
  EXPECT_EQ(Probe(*server, "/livez"), 200);

  ASSERT_TRUE(disk.FailDisk());
  // Not ready within a few probes; writes refused, never acknowledged.
  EXPECT_TRUE(WaitUntil([&] { return server->Health() == "NOT_SERVING"; }, 10s))
      << server->Health();
  EXPECT_EQ(Probe(*server, "/readyz"), 503);
  identity_v1::CreatePersonRequest martin;
  martin.mutable_person()->set_display_name("Martin");
  martin.mutable_person()->set_email("martin@example.fr");
  martin.set_password("correct horse battery staple");
  identity_v1::Person created;
  const grpc::Status refused = identity->CreatePerson(Context().get(), martin, &created);
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();
  // Resuming cannot heal a read-only file system: after
  // --restart_unwritable_after the process asks to be restarted.
  EXPECT_TRUE(WaitUntil([&] { return server->Health("liveness") == "NOT_SERVING"; }, 10s))
      << server->Health("liveness");
  EXPECT_EQ(Probe(*server, "/livez"), 503);
  // Reads still answer from what was acknowledged.
  identity_v1::GetPersonRequest get;
  get.set_id(jacques.person.id());
  identity_v1::Person read;
  EXPECT_TRUE(identity->GetPerson(Context(jacques.token).get(), get, &read).ok());

  // The orchestrator's restart, on the repaired disk.
  server->Kill();
  ASSERT_TRUE(disk.Repair());
  server = ServerProcess::Start(IDENTITY_SERVER, flags);
  ASSERT_NE(server, nullptr);
  identity = identity_v1::IdentityService::NewStub(server->NewChannel());
  EXPECT_EQ(server->Health(), "SERVING");
  EXPECT_EQ(Probe(*server, "/readyz"), 200);
  ASSERT_TRUE(identity->GetPerson(Context(jacques.token).get(), get, &read).ok());
  EXPECT_EQ(read.display_name(), "Jacques");
  // The refused sign-up left nothing: the email is free.
  EXPECT_TRUE(identity->CreatePerson(Context().get(), martin, &created).ok());
}

}  // namespace
}  // namespace trustsphere::testing
