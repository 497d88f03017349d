// Each content coding at a few levels on a JSON body fed in 16 KiB pieces, as a response streams
// through, with its Content-Length as the size hint: input MB/s (bytes_per_second), the ratio
// (input / output bytes) and the heap one stream holds (KiB_per_stream: its state, which every
// compressed response in flight costs). Args: coding (1 gzip, 2 br, 3 zstd, as ContentCoding),
// level, body KiB.
#include "compression/compressor.h"
#include "support/samplejson.h"

#include <benchmark/benchmark.h>
#include <malloc.h>

using namespace kairos;

namespace {

constexpr qsizetype kPieceBytes = 16 * 1024;

size_t heapInUse()
{
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

CompressionPolicy policyAt(ContentCoding coding, int level)
{
    CompressionPolicy policy;
    switch (coding) {
    case ContentCoding::Gzip: policy.gzipLevel = level; break;
    case ContentCoding::Brotli: policy.brotliQuality = level; break;
    case ContentCoding::Zstd: policy.zstdLevel = level; break;
    case ContentCoding::Identity: break;
    }
    return policy;
}

// The compressed size; `peakHeap`, when given, the most the heap held above its start meanwhile.
qint64 compressInPieces(ContentCoding coding, const CompressionPolicy &policy, const QByteArray &body,
                        size_t *peakHeap = nullptr)
{
    const size_t before = peakHeap ? heapInUse() : 0;
    std::unique_ptr<Compressor> compressor = Compressor::create(coding, policy, body.size());
    qint64 compressed = 0;
    for (qsizetype at = 0; at < body.size(); at += kPieceBytes) {
        compressed += compressor->compress(QByteArrayView(body).sliced(at, qMin(kPieceBytes, body.size() - at))).size();
        if (peakHeap)
            *peakHeap = qMax(*peakHeap, heapInUse() - before);
    }
    compressed += compressor->finish().size();
    if (peakHeap)  // brotli allocates its buffers for a small body only when it ends
        *peakHeap = qMax(*peakHeap, heapInUse() - before);
    return compressed;
}

void BM_Compress(benchmark::State &state)
{
    const auto coding = ContentCoding(state.range(0));
    const CompressionPolicy policy = policyAt(coding, int(state.range(1)));
    const QByteArray body = test::sampleJson(state.range(2) * 1024);
    size_t peakHeap = 0;
    const qint64 compressed = compressInPieces(coding, policy, body, &peakHeap);
    for (auto _ : state)
        benchmark::DoNotOptimize(compressInPieces(coding, policy, body));
    state.SetLabel(codingName(coding));
    state.SetBytesProcessed(state.iterations() * body.size());
    state.counters["ratio"] = double(body.size()) / double(compressed);
    state.counters["KiB_per_stream"] = double(peakHeap) / 1024;
}

}  // namespace

BENCHMARK(BM_Compress)
    ->ArgsProduct({{int(ContentCoding::Gzip)}, {1, 4, 6, 9}, {1024}})
    ->ArgsProduct({{int(ContentCoding::Brotli)}, {1, 3, 4, 5, 6}, {1024}})
    ->ArgsProduct({{int(ContentCoding::Zstd)}, {1, 3, 6}, {1024}})
    ->Args({int(ContentCoding::Gzip), 6, 4})  // a small API answer at the default levels
    ->Args({int(ContentCoding::Brotli), 4, 4})
    ->Args({int(ContentCoding::Zstd), 3, 4})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
