// ringrt::Status: 8 bytes, messages in a fixed table of reference-counted slots.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "ringrt/status.hpp"

namespace {

using ringrt::Status;
using ringrt::StatusCode;

TEST(Status, IsTwoWordsNotAMessageBuffer) {
  EXPECT_EQ(sizeof(Status), 8u);
  const Status ok = Status::Ok();
  EXPECT_TRUE(ok.ok());
  EXPECT_STREQ(ok.message(), "");
}

TEST(Status, MessageIsFormattedAndSurvivesCopiesAndMoves) {
  Status copy;
  {
    const Status e = Status::Error(StatusCode::kIoError, "file %s: %d bytes short", "kv.bin", 17);
    EXPECT_EQ(e.code(), StatusCode::kIoError);
    EXPECT_STREQ(e.message(), "file kv.bin: 17 bytes short");
    copy = e;
  }  // the original is gone; the copy still holds the message
  EXPECT_STREQ(copy.message(), "file kv.bin: 17 bytes short");
  Status moved(std::move(copy));
  EXPECT_STREQ(moved.message(), "file kv.bin: 17 bytes short");
  EXPECT_EQ(moved.code(), StatusCode::kIoError);
  moved = Status::Ok();
  EXPECT_TRUE(moved.ok());
  EXPECT_STREQ(moved.message(), "");
}

TEST(Status, LongMessagesAreTruncatedToTheSlot) {
  const std::string path(1000, 'p');
  const Status e = Status::Error(StatusCode::kInvalidArgument, "path %s", path.c_str());
  EXPECT_EQ(std::strlen(e.message()), Status::kMaxMessage - 1);
  EXPECT_EQ(std::string(e.message(), 5), "path ");
}

TEST(Status, SlotsAreReturnedWhenTheLastCopyGoes) {
  // Far more errors than slots, one alive at a time: every one keeps its message.
  for (int i = 0; i < 10 * static_cast<int>(Status::kMessageSlots); ++i) {
    const Status e = Status::Error(StatusCode::kInternal, "error %d", i);
    ASSERT_EQ(std::string(e.message()), "error " + std::to_string(i));
  }
}

TEST(Status, MoreLiveMessagesThanSlotsKeepTheirCodes) {
  std::vector<Status> alive;
  for (std::size_t i = 0; i < Status::kMessageSlots; ++i) {
    alive.push_back(Status::Error(StatusCode::kIoError, "held %zu", i));
  }
  const Status dropped = Status::Error(StatusCode::kCapacityExceeded, "this text has no slot");
  EXPECT_EQ(dropped.code(), StatusCode::kCapacityExceeded);
  EXPECT_NE(std::strstr(dropped.message(), "message dropped"), nullptr) << dropped.message();
  for (std::size_t i = 0; i < alive.size(); ++i) {
    EXPECT_EQ(std::string(alive[i].message()), "held " + std::to_string(i));  // none was overwritten
  }
  alive.pop_back();
  const Status again = Status::Error(StatusCode::kIoError, "a slot is free again");
  EXPECT_STREQ(again.message(), "a slot is free again");
}

TEST(Status, ThreadsNeverSeeEachOthersMessages) {
  constexpr int kThreads = 4, kErrors = 20000;
  std::vector<int> wrong(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &wrong] {
      char want[64];
      for (int i = 0; i < kErrors; ++i) {
        std::snprintf(want, sizeof want, "thread %d error %d", t, i);
        const Status e = Status::Error(StatusCode::kInternal, "thread %d error %d", t, i);
        const Status copy = e;
        if (std::strcmp(copy.message(), want) != 0) ++wrong[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t;
}

}  // namespace
