using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace PptpGw.Bench;

/// <summary>
/// Adds Mpps and Gbit/s columns: one benchmark operation is one packet of <c>Size</c> octets (burst benchmarks use
/// OperationsPerInvoke so that Mean is per packet), so Mpps = 1000 / Mean[ns] and Gbit/s = Size × 8 / Mean[ns].
/// Rows without a Size parameter show "-".
/// </summary>
public sealed class PacketRateConfig : ManualConfig
{
    public PacketRateConfig()
    {
        AddColumn(new RateColumn("Mpps", "Packets per second for one core, in millions: 1000 / Mean[ns]", (_, ns) => 1000 / ns));
        AddColumn(new RateColumn("Gbit/s", "Protected octets per second for one core: Size x 8 / Mean[ns]", (size, ns) => size * 8 / ns));
    }

    private sealed class RateColumn(string name, string legend, Func<double, double, double> rate) : IColumn
    {
        public string Id => "Rate." + name;
        public string ColumnName => name;
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => legend;
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var statistics = summary[benchmarkCase]?.ResultStatistics;
            if (statistics is null || statistics.Mean <= 0 || !benchmarkCase.Parameters.Items.Any(p => p.Name == "Size"))
                return "-";
            if (benchmarkCase.Parameters["Size"] is not int size)
                return "-";
            return rate(size, statistics.Mean).ToString("F2", CultureInfo.InvariantCulture);
        }
    }
}
