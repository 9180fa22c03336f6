using System.Net.Sockets;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Pptp;
using PptpGw.Tests.ControlPlane.Pptp.Connection;

namespace PptpGw.Tests.Gateway;

/// <summary>
/// <c>shutdown cancel</c> (accel-ppp has no such command; Cisco's <c>reload cancel</c> is the model): a soft drain ends,
/// the gateway listens on the same port again and takes new tunnels and calls, the live session never noticed, and the
/// drain's stop does not come when the last session later ends. Without a drain it is an error that says so.
/// </summary>
public sealed class ShutdownCancelTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    private static AdminDispatcher Admin(GatewayTestBed bed) =>
        new(bed.Host.Orchestrator.Administration, bed.Host.Log, bed.Host.Orchestrator.Operator, bed.Host);

    private static bool Refused(GatewayTestBed bed)
    {
        using var probe = new TcpClient();
        try
        {
            probe.Connect(bed.EndPoint);
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    [Fact]
    public async Task Cancel_ends_the_drain_and_the_gateway_takes_new_tunnels_and_calls_again()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config());
        AdminDispatcher admin = Admin(bed);
        await using Dialled live = await bed.DialAsync(0x6100);
        await live.Events.Up.Task.WaitAsync(Guard);
        (var pac, var tcp, CallReply first) = await bed.PlaceCallAsync(0x6200);
        Assert.Equal(OutgoingCallResultCode.Connected, first.ResultCode);

        Assert.Contains("shutdown soft", (await admin.ExecuteAsync("shutdown soft 600")).Text, StringComparison.Ordinal);
        await GatewayTestBed.EventuallyAsync(() => Refused(bed), "the listener to close");
        await pac.SendAsync(Wire.Ocrq(0x6300));
        Assert.Equal(OutgoingCallResultCode.GeneralError, Wire.Ocrp(await GatewayTestBed.ReceiveUntilAsync<OutgoingCallReply>(pac)).ResultCode);

        // The keyword abbreviated, as every admin keyword after the command.
        AdminReply reply = await admin.ExecuteAsync("shutdown canc");
        Assert.Equal(AdminStatus.Ok, reply.Status);
        Assert.Contains("shutdown cancel: accepting new tunnels and calls again; 2 sessions up", reply.Text, StringComparison.Ordinal);
        Assert.Equal(GatewayRunState.Running, bed.Host.State);
        Assert.Null(bed.Host.DrainDeadline);
        Assert.Contains("gateway state: running", (await admin.ExecuteAsync("show version")).Text, StringComparison.Ordinal);
        await bed.WaitForLogAsync("shutdown cancel: the soft shutdown is cancelled");

        // A new call on the tunnel that stayed up, and a new tunnel on the same port.
        await pac.SendAsync(Wire.Ocrq(0x6400));
        Assert.Equal(OutgoingCallResultCode.Connected, Wire.Ocrp(await GatewayTestBed.ReceiveUntilAsync<OutgoingCallReply>(pac)).ResultCode);
        await GatewayTestBed.EventuallyAsync(() => !Refused(bed), "the listener to open again");
        await using Dialled late = await bed.DialAsync(0x6500);
        await late.Events.Up.Task.WaitAsync(Guard);
        Assert.False(live.Events.Down.Task.IsCompleted);

        // Every session ends: the cancelled drain does not stop the gateway.
        await pac.SendAsync(Wire.Ccrq(0x6200));
        await pac.SendAsync(Wire.Ccrq(0x6400));
        await live.DisposeAsync();
        await late.DisposeAsync();
        await pac.DisposeAsync();
        tcp.Dispose();
        await GatewayTestBed.EventuallyAsync(() => bed.Host.Orchestrator.LiveCalls == 0, "every call to end");
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // three drain polls
        Assert.False(bed.Host.Stopped.IsCompleted);
        Assert.Equal(GatewayRunState.Running, bed.Host.State);
    }

    [Fact]
    public async Task Cancel_without_a_drain_is_an_error_and_changes_nothing()
    {
        await using GatewayTestBed bed = GatewayTestBed.Start(GatewayTestBed.Config());
        AdminReply reply = await Admin(bed).ExecuteAsync("shutdown cancel");
        Assert.Equal(AdminStatus.Error, reply.Status);
        Assert.Contains("% shutdown cancel: no soft shutdown to cancel (gateway state: running)", reply.Text, StringComparison.Ordinal);
        Assert.Equal(GatewayRunState.Running, bed.Host.State);
        Assert.False(Refused(bed));
    }
}
