// adapters/instance_pool.h: an instance is reused for the same (program,
// profile) pair only, rebuilt when the profile changed, and the pool starts
// over when full.
#include "adapters/instance_pool.h"

#include <gtest/gtest.h>

#include <string>

namespace ctc {
namespace {

struct Instance {
  const Profile* profile;
  const FlowProgram* program;
};

class InstancePoolTest : public ::testing::Test {
 protected:
  std::shared_ptr<const FlowProgram> program(int n) {
    auto p = std::make_shared<FlowProgram>();
    p->rules.push_back(FlowRule{.priority = static_cast<uint16_t>(n)});
    return p;
  }
  std::pair<Instance*, bool> get(const std::shared_ptr<const FlowProgram>& p, const Profile& f) {
    return pool_.get(p, f, [this](const Profile& profile, const FlowProgram& flows) {
      ++builds_;
      return std::make_unique<Instance>(Instance{&profile, &flows});
    });
  }
  InstancePool<Instance> pool_;
  int builds_ = 0;
};

TEST_F(InstancePoolTest, SamePairIsReusedAndSaysSo) {
  const auto p = program(1);
  const Profile profile = linux_profile();
  const auto [first, built] = get(p, profile);
  EXPECT_TRUE(built);
  const auto [again, built_again] = get(p, profile);
  EXPECT_EQ(again, first);
  EXPECT_FALSE(built_again);  // the caller resets it
  EXPECT_EQ(builds_, 1);
}

TEST_F(InstancePoolTest, OtherProgramOrProfileGetsItsOwnInstance) {
  const auto p = program(1), q = program(2);
  const Profile linux_p = linux_profile(), ovs_p = ovs_userspace_profile();
  Instance* a = get(p, linux_p).first;
  Instance* b = get(q, linux_p).first;
  Instance* c = get(p, ovs_p).first;
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(c->profile, &ovs_p);
  EXPECT_EQ(b->program, q.get());
  EXPECT_EQ(builds_, 3);
}

TEST_F(InstancePoolTest, ProfileChangedInPlaceIsRebuilt) {
  const auto p = program(1);
  Profile profile = linux_profile();
  get(p, profile);
  profile = ovs_userspace_profile();  // same object, other semantics
  const auto [instance, built] = get(p, profile);
  EXPECT_TRUE(built);
  EXPECT_EQ(builds_, 2);
}

TEST_F(InstancePoolTest, FullPoolStartsOver) {
  const Profile profile = linux_profile();
  const auto first = program(0);
  get(first, profile);
  std::vector<std::shared_ptr<const FlowProgram>> kept;
  for (int i = 1; i < 1024; ++i) {
    kept.push_back(program(i));
    get(kept.back(), profile);
  }
  EXPECT_FALSE(get(first, profile).second);  // 1024 fit
  kept.push_back(program(1024));
  get(kept.back(), profile);                 // the 1025th empties the pool
  EXPECT_TRUE(get(first, profile).second);
}

}  // namespace
}  // namespace ctc
