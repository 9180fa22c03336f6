using BenchmarkDotNet.Attributes;
using PptpGw.Dataplane.Gre;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Bench;

/// <summary>
/// Per-packet cost of enhanced GRE sequencing (RFC 2637 §4.2-§4.4) on the steady path: one in-order data packet
/// received (sequence check, acknowledgment bookkeeping) plus one data packet encapsulated (header with our
/// Sequence Number and the piggy-backed acknowledgment), over <see cref="Sessions"/> sessions visited round-robin
/// so that the larger counts include the cache misses of a real worker. One operation = <see cref="Batch"/> pairs.
/// Run: <c>./build.sh bench --filter *GreSequencing*</c>.
/// </summary>
[MemoryDiagnoser]
public class GreSequencingBenchmarks
{
    private const int Batch = 1024;

    private GreSequencer _sequencer = null!;
    private uint[] _nextSequence = [];
    private readonly byte[] _buffer = new byte[EnhancedGrePacket.MaxHeaderLength + 1400];
    private readonly int[] _deliver = new int[GreReceiveState.MaxDeliveredPerCall];
    private long _now;
    private int _session;

    [Params(1, 100_000)]
    public int Sessions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _sequencer = new GreSequencer(Sessions, GreReorderPolicy.Default(1_000_000_000), 1_000_000);
        _nextSequence = new uint[Sessions];
        for (int i = 0; i < Sessions; i++)
            _sequencer.Open(i, (ushort)i, 64, 64);
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "receive in order + encapsulate")]
    public int ReceiveAndEncapsulate()
    {
        int delivered = 0;
        for (int i = 0; i < Batch; i++)
        {
            int session = _session;
            _session = session + 1 == Sessions ? 0 : session + 1;
            _now += 100;
            _sequencer.Receive(session, true, _nextSequence[session]++, false, 0, i, _now, _deliver, out int n);
            delivered += n;
            _sequencer.EncapsulateData(session, _buffer, EnhancedGrePacket.MaxHeaderLength, 1400);
        }
        return delivered;
    }
}
