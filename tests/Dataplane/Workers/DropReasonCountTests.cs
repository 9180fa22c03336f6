using PptpGw.Dataplane.Mppe;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Tests.Dataplane.Workers;

/// <summary>
/// The counter arrays are sized by a constant (<see cref="DataplaneCounters.ReasonCount"/>,
/// <see cref="MppeCounters.ReasonCount"/>) because the hot path indexes fixed buffers with it; these tests make the
/// constant follow the enum: a reason appended without moving the count would be counted out of bounds (or not at
/// all) and would never show in <c>show dataplane</c> or the metrics.
/// </summary>
public sealed class DropReasonCountTests
{
    [Fact]
    public void Dataplane_reason_count_covers_every_reason_and_the_values_are_dense()
    {
        DataplaneDropReason[] reasons = Enum.GetValues<DataplaneDropReason>();
        Assert.Equal(DataplaneCounters.ReasonCount, reasons.Length);
        Assert.Equal(Enumerable.Range(0, reasons.Length), reasons.Select(r => (int)r));
    }

    [Fact]
    public void Mppe_reason_count_covers_every_reason_and_the_values_are_dense()
    {
        MppeDropReason[] reasons = Enum.GetValues<MppeDropReason>();
        Assert.Equal(MppeCounters.ReasonCount, reasons.Length);
        Assert.Equal(Enumerable.Range(0, reasons.Length), reasons.Select(r => (int)r));
    }
}
