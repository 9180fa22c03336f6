using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.Bench;

/// <summary>
/// Our managed <see cref="Rc4"/> against OpenSSL's RC4 (libcrypto.so.3 via <see cref="OpenSslRc4"/>) on packet-sized
/// buffers: 64 (small control/ack), 512, and 1400 octets (a full PPP payload in a GRE packet at 1500 MTU).
/// One operation encrypts one buffer, continuing the stream (stateful MPPE); the MB/s column is Size / Mean.
/// <c>SetKey</c> is the key schedule alone, paid on every packet in stateless mode (RFC 3078 §7.3, "historyless").
/// Run: <c>./build.sh bench --filter *Rc4Benchmarks*</c>, or <c>bench/rc4-vs-openssl.sh</c> to compare with
/// <c>openssl speed</c>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class Rc4Benchmarks
{
    private static readonly byte[] Key = Convert.FromHexString("0102030405060708090a0b0c0d0e0f10");

    private byte[] _source = [];
    private byte[] _destination = [];
    private Rc4 _managed;
    private OpenSslRc4? _openSsl;

    [Params(64, 512, 1400)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _source = new byte[Size];
        new Random(42).NextBytes(_source);
        _destination = new byte[Size];
        _managed = new Rc4(Key);
        _openSsl = OpenSslRc4.IsAvailable ? new OpenSslRc4(Key) : null;
    }

    [GlobalCleanup]
    public void Cleanup() => _openSsl?.Dispose();

    [Benchmark(Baseline = true, Description = "Rc4 (managed)")]
    public void Managed() => _managed.Transform(_source, _destination);

    [Benchmark(Description = "OpenSslRc4")]
    public void OpenSsl() =>
        (_openSsl ?? throw new PlatformNotSupportedException("libcrypto.so.3 is not available")).Transform(_source, _destination);

    [Benchmark(Description = "Rc4.SetKey (16 octets)")]
    public void ManagedSetKey() => _managed.SetKey(Key);

    [Benchmark(Description = "OpenSslRc4.SetKey (16 octets)")]
    public void OpenSslSetKey() =>
        (_openSsl ?? throw new PlatformNotSupportedException("libcrypto.so.3 is not available")).SetKey(Key);

    private sealed class ThroughputConfig : ManualConfig
    {
        public ThroughputConfig() => AddColumn(new ThroughputColumn());
    }

    /// <summary>Size / Mean in MB/s (10^6 octets per second) for the Transform benchmarks.</summary>
    private sealed class ThroughputColumn : IColumn
    {
        public string Id => nameof(ThroughputColumn);
        public string ColumnName => "MB/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Throughput of one Transform call: Size octets / Mean time, in 10^6 octets per second";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            if (benchmarkCase.Descriptor.WorkloadMethod.Name.EndsWith("SetKey", StringComparison.Ordinal))
                return "-";
            var statistics = summary[benchmarkCase]?.ResultStatistics;
            object? size = benchmarkCase.Parameters["Size"];
            if (statistics is null || size is not int octets || statistics.Mean <= 0)
                return "-";
            return (octets / statistics.Mean * 1000).ToString("F0", System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
