#include "kernel/socket_filter.h"

#include <linux/bpf.h>
#include <linux/filter.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>


namespace floodgate::kernel {
namespace {

#ifndef SO_ATTACH_BPF
#define SO_ATTACH_BPF 50
#endif

long sysBpf(int cmd, bpf_attr* attr) {
  return ::syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

Status failed(std::string message) { return Error{std::move(message)}; }

std::string bpfError(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// The LPM trie keys: a prefix length in bits, then the address in network order.
struct V4Key {
  uint32_t prefixlen;
  uint8_t addr[4];
};
struct V6Key {
  uint32_t prefixlen;
  uint8_t addr[16];
};

Result<FileDescriptor> createMap(bpf_map_type type, uint32_t key_size, uint32_t value_size,
                                 uint32_t max_entries, uint32_t flags, const char* name) {
  bpf_attr attr{};
  attr.map_type = type;
  attr.key_size = key_size;
  attr.value_size = value_size;
  attr.max_entries = max_entries;
  attr.map_flags = flags;
  std::strncpy(attr.map_name, name, sizeof(attr.map_name) - 1);
  long fd = sysBpf(BPF_MAP_CREATE, &attr);
  if (fd < 0) return Error{bpfError("bpf(BPF_MAP_CREATE)")};
  return FileDescriptor(static_cast<int>(fd));
}

// Possible CPUs ("0-1" in sysfs): a per-CPU map's value has one slot for each.
uint32_t possibleCpus() {
  std::ifstream in("/sys/devices/system/cpu/possible");
  std::string text;
  std::getline(in, text);
  uint32_t highest = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(',', pos);
    std::string range = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    size_t dash = range.find('-');
    std::string last = dash == std::string::npos ? range : range.substr(dash + 1);
    if (!last.empty()) highest = std::max(highest, static_cast<uint32_t>(std::stoul(last)));
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  long conf = ::sysconf(_SC_NPROCESSORS_CONF);
  return std::max<uint32_t>(highest + 1, conf > 0 ? static_cast<uint32_t>(conf) : 1);
}

// A few-instruction assembler: enough for the filter below, with forward labels.
class Program {
 public:
  void op(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn insn{};
    insn.code = code;
    insn.dst_reg = dst & 0xf;
    insn.src_reg = src & 0xf;
    insn.off = off;
    insn.imm = imm;
    insns_.push_back(insn);
  }
  void movReg(uint8_t dst, uint8_t src) { op(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0); }
  void mov32(uint8_t dst, int32_t imm) { op(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, imm); }
  void addImm(uint8_t dst, int32_t imm) { op(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm); }
  // r0 = the packet's bytes at `offset` from its network header, in host order (needs r6 = ctx).
  void loadNet(uint8_t size, int32_t offset) { op(BPF_LD | BPF_ABS | size, 0, 0, 0, SKF_NET_OFF + offset); }
  void toBe32(uint8_t reg) { op(BPF_ALU | BPF_END | BPF_TO_BE, reg, 0, 0, 32); }
  void storeReg(uint8_t size, uint8_t base, int16_t off, uint8_t src) {
    op(BPF_STX | BPF_MEM | size, base, src, off, 0);
  }
  void storeImm(uint8_t size, uint8_t base, int16_t off, int32_t imm) {
    op(BPF_ST | BPF_MEM | size, base, 0, off, imm);
  }
  void load(uint8_t size, uint8_t dst, uint8_t base, int16_t off) {
    op(BPF_LDX | BPF_MEM | size, dst, base, off, 0);
  }
  void loadMap(uint8_t dst, int fd) {
    op(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, fd);
    op(0, 0, 0, 0, 0);
  }
  void call(int32_t helper) { op(BPF_JMP | BPF_CALL, 0, 0, 0, helper); }
  void exit() { op(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }
  // Jumps to `label` (bound later with bind); a plain goto when code is BPF_JA.
  void jump(uint8_t code, uint8_t dst, int32_t imm, int label) {
    fixups_.push_back({insns_.size(), label});
    op(BPF_JMP | code | BPF_K, dst, 0, 0, imm);
  }
  int label() {
    labels_.push_back(-1);
    return static_cast<int>(labels_.size()) - 1;
  }
  void bind(int label) { labels_[static_cast<size_t>(label)] = static_cast<long>(insns_.size()); }
  const std::vector<bpf_insn>& finish() {
    for (const auto& f : fixups_) {
      insns_[f.at].off = static_cast<int16_t>(labels_[static_cast<size_t>(f.label)] -
                                              static_cast<long>(f.at) - 1);
    }
    return insns_;
  }

 private:
  struct Fixup {
    size_t at;
    int label;
  };
  std::vector<bpf_insn> insns_;
  std::vector<long> labels_;
  std::vector<Fixup> fixups_;
};

// An entry's value: its counter slot in the low 16 bits, its pass mask in the high 16.
constexpr uint32_t kSlotBits = 0xffff;
// The sample's mix: the address word (host order; an IPv6 address's last) xor the slot, times
// a 32-bit golden-ratio constant, bits 16 and up against the mask.
constexpr uint32_t kSampleMix = 0x9e3779b1u;

// Stack layout (below r10): the IPv4 key at -8, the IPv6 key at -24, the counter slot at -28.
// r6: the skb; r7: the address word the sample is drawn on (callee-saved across the helpers).
std::vector<bpf_insn> filterProgram(int v4_map, int v6_map, int counters) {
  Program p;
  const int v4 = p.label(), v6 = p.label(), lookup = p.label(), pass = p.label(),
            drop = p.label(), count = p.label();
  p.movReg(6, 1);  // BPF_LD_ABS reads the skb in r6
  p.loadNet(BPF_B, 0);
  p.op(BPF_ALU64 | BPF_RSH | BPF_K, 0, 0, 0, 4);  // the IP version
  p.jump(BPF_JEQ, 0, 4, v4);
  p.jump(BPF_JEQ, 0, 6, v6);
  p.bind(pass);
  p.mov32(0, -1);  // keep the whole packet
  p.exit();

  p.bind(v4);
  p.loadNet(BPF_W, 12);  // saddr
  p.op(BPF_ALU | BPF_MOV | BPF_X, 7, 0, 0, 0);
  p.toBe32(0);
  p.storeReg(BPF_W, 10, -4, 0);
  p.storeImm(BPF_W, 10, -8, 32);
  p.loadMap(1, v4_map);
  p.movReg(2, 10);
  p.addImm(2, -8);
  p.jump(BPF_JA, 0, 0, lookup);

  p.bind(v6);
  for (int i = 0; i < 4; ++i) {
    p.loadNet(BPF_W, 8 + 4 * i);  // saddr, a word at a time
    if (i == 3) p.op(BPF_ALU | BPF_MOV | BPF_X, 7, 0, 0, 0);
    p.toBe32(0);
    p.storeReg(BPF_W, 10, static_cast<int16_t>(-20 + 4 * i), 0);
  }
  p.storeImm(BPF_W, 10, -24, 128);
  p.loadMap(1, v6_map);
  p.movReg(2, 10);
  p.addImm(2, -24);

  p.bind(lookup);
  p.call(BPF_FUNC_map_lookup_elem);
  p.jump(BPF_JEQ, 0, 0, pass);
  p.load(BPF_W, 1, 0, 0);  // the entry's value
  p.op(BPF_ALU | BPF_MOV | BPF_X, 2, 1, 0, 0);
  p.op(BPF_ALU | BPF_RSH | BPF_K, 2, 0, 0, 16);  // its pass mask
  p.op(BPF_ALU | BPF_AND | BPF_K, 1, 0, 0, kSlotBits);  // its counter slot
  p.jump(BPF_JEQ, 2, 0, count);
  p.op(BPF_ALU | BPF_MOV | BPF_X, 3, 7, 0, 0);
  p.op(BPF_ALU | BPF_XOR | BPF_X, 3, 1, 0, 0);
  p.op(BPF_ALU | BPF_MUL | BPF_K, 3, 0, 0, static_cast<int32_t>(kSampleMix));
  p.op(BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16);
  p.op(BPF_ALU | BPF_AND | BPF_X, 3, 2, 0, 0);
  p.jump(BPF_JEQ, 3, 0, pass);  // in the sample
  p.bind(count);
  p.storeReg(BPF_W, 10, -28, 1);
  p.loadMap(1, counters);
  p.movReg(2, 10);
  p.addImm(2, -28);
  p.call(BPF_FUNC_map_lookup_elem);
  p.jump(BPF_JEQ, 0, 0, drop);
  p.load(BPF_DW, 1, 0, 0);
  p.addImm(1, 1);
  p.storeReg(BPF_DW, 0, 0, 1);  // per-CPU: no other writer
  p.bind(drop);
  p.mov32(0, 0);
  p.exit();
  return p.finish();
}

bool isDenied(int err) { return err == EPERM || err == EACCES; }

}  // namespace

Result<std::unique_ptr<SocketFilter>> SocketFilter::create(uint32_t max_entries, bool* denied) {
  std::unique_ptr<SocketFilter> f(new SocketFilter());
  if (denied != nullptr) *denied = false;
  auto fail = [&](std::string message) -> Result<std::unique_ptr<SocketFilter>> {
    if (denied != nullptr) *denied = isDenied(errno);
    return Error{std::move(message)};
  };
  max_entries = std::max<uint32_t>(max_entries, 1);
  auto v4 = createMap(BPF_MAP_TYPE_LPM_TRIE, sizeof(V4Key), sizeof(uint32_t), max_entries,
                      BPF_F_NO_PREALLOC, "fg_block_v4");
  if (!v4) return fail(v4.error());
  auto v6 = createMap(BPF_MAP_TYPE_LPM_TRIE, sizeof(V6Key), sizeof(uint32_t), max_entries,
                      BPF_F_NO_PREALLOC, "fg_block_v6");
  if (!v6) return fail(v6.error());
  auto counters = createMap(BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(uint32_t), sizeof(uint64_t),
                            kSlots, 0, "fg_block_drops");
  if (!counters) return fail(counters.error());
  f->v4_ = std::move(*v4);
  f->v6_ = std::move(*v6);
  f->counters_ = std::move(*counters);
  f->cpus_ = possibleCpus();
  f->per_cpu_.assign(f->cpus_, 0);
  if (Status s = f->loadProgram(); !s.ok()) return fail(s.error());
  return f;
}

Status SocketFilter::loadProgram() {
  std::vector<bpf_insn> insns = filterProgram(v4_.get(), v6_.get(), counters_.get());
  static char license[] = "GPL";
  std::string log(16384, '\0');
  bpf_attr attr{};
  attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
  attr.insns = reinterpret_cast<uint64_t>(insns.data());
  attr.insn_cnt = static_cast<uint32_t>(insns.size());
  attr.license = reinterpret_cast<uint64_t>(license);
  attr.log_buf = reinterpret_cast<uint64_t>(log.data());
  attr.log_size = static_cast<uint32_t>(log.size());
  attr.log_level = 1;
  std::strncpy(attr.prog_name, "fg_blocklist", sizeof(attr.prog_name) - 1);
  long fd = sysBpf(BPF_PROG_LOAD, &attr);
  if (fd < 0 && errno == ENOSPC) {  // the log did not fit; the load itself may be fine
    attr.log_level = 0;
    attr.log_buf = 0;
    attr.log_size = 0;
    fd = sysBpf(BPF_PROG_LOAD, &attr);
  }
  if (fd < 0) {
    int err = errno;
    std::string message = bpfError("bpf(BPF_PROG_LOAD)");
    log.resize(std::strlen(log.c_str()));
    if (!log.empty()) message += "; verifier: " + log;
    errno = err;
    return failed(message);
  }
  program_.reset(static_cast<int>(fd));
  return {};
}

Status SocketFilter::attach(int fd) const {
  int prog = program_.get();
  if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF, &prog, sizeof(prog)) != 0) {
    return failed(bpfError("setsockopt(SO_ATTACH_BPF)"));
  }
  return {};
}

namespace {
// The map and key for a prefix: IPv4-mapped prefixes go to the IPv4 map in IPv4 terms.
template <class Fn>
auto withKey(const shield::IpPrefix& prefix, int v4, int v6, Fn&& fn) {
  uint8_t bytes[16];
  prefix.base.toBytes(bytes);
  if (prefix.isV4()) {
    V4Key key{prefix.familyLength(), {}};
    std::memcpy(key.addr, bytes + 12, 4);
    return fn(v4, &key);
  }
  V6Key key{prefix.length, {}};
  std::memcpy(key.addr, bytes, 16);
  return fn(v6, &key);
}
}  // namespace

bool SocketFilter::passes(const shield::IpKey& source, uint32_t slot, uint16_t pass_mask) {
  if (pass_mask == 0) return false;
  uint8_t bytes[16];
  source.toBytes(bytes);
  const uint8_t* word = bytes + 12;  // IPv4 (mapped) or an IPv6 address's last word
  uint32_t x = (uint32_t{word[0]} << 24) | (uint32_t{word[1]} << 16) |
               (uint32_t{word[2]} << 8) | word[3];
  x = (x ^ (slot & kSlotBits)) * kSampleMix;
  return ((x >> 16) & pass_mask) == 0;
}

Status SocketFilter::add(const shield::IpPrefix& prefix, uint32_t slot, uint16_t pass_mask) {
  if (slot >= kSlots) return failed("counter slot out of range");
  const uint32_t value = slot | (uint32_t{pass_mask} << 16);
  return withKey(prefix, v4_.get(), v6_.get(), [&](int map, const void* key) -> Status {
    bpf_attr attr{};
    attr.map_fd = static_cast<uint32_t>(map);
    attr.key = reinterpret_cast<uint64_t>(key);
    attr.value = reinterpret_cast<uint64_t>(&value);
    attr.flags = BPF_ANY;
    if (sysBpf(BPF_MAP_UPDATE_ELEM, &attr) != 0) {
      return failed(bpfError("bpf(BPF_MAP_UPDATE_ELEM)"));
    }
    return {};
  });
}

bool SocketFilter::remove(const shield::IpPrefix& prefix) {
  return withKey(prefix, v4_.get(), v6_.get(), [&](int map, const void* key) {
    bpf_attr attr{};
    attr.map_fd = static_cast<uint32_t>(map);
    attr.key = reinterpret_cast<uint64_t>(key);
    return sysBpf(BPF_MAP_DELETE_ELEM, &attr) == 0;
  });
}

uint64_t SocketFilter::drops(uint32_t slot) const {
  if (slot >= kSlots) return 0;
  bpf_attr attr{};
  attr.map_fd = static_cast<uint32_t>(counters_.get());
  attr.key = reinterpret_cast<uint64_t>(&slot);
  attr.value = reinterpret_cast<uint64_t>(per_cpu_.data());
  if (sysBpf(BPF_MAP_LOOKUP_ELEM, &attr) != 0) return 0;
  uint64_t sum = 0;
  for (uint64_t v : per_cpu_) sum += v;
  return sum;
}

void SocketFilter::resetSlot(uint32_t slot) {
  if (slot >= kSlots) return;
  std::vector<uint64_t> zero(cpus_, 0);
  bpf_attr attr{};
  attr.map_fd = static_cast<uint32_t>(counters_.get());
  attr.key = reinterpret_cast<uint64_t>(&slot);
  attr.value = reinterpret_cast<uint64_t>(zero.data());
  attr.flags = BPF_ANY;
  (void)sysBpf(BPF_MAP_UPDATE_ELEM, &attr);
}

}  // namespace floodgate::kernel
