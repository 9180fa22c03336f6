using System.Net;
using PptpGw.Client;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Ppp;
using PptpGw.Dataplane.Ports;
using PptpGw.Gateway.Hosting;

namespace PptpGw.Tests.Gateway;

/// <summary>
/// A gateway host on loopback TCP with its real dataplane over memory ports (<see cref="MemoryDataplaneWire"/>): our
/// client's GRE goes through the workers, GRE sequencing and MPPE; the inside host answers pings.
/// </summary>
internal sealed class MemoryGatewayBed : IAsyncDisposable
{
    public required GatewayHost Host { get; init; }
    public required CaptureLogSink Capture { get; init; }
    public required MemoryDataplaneWire Wire { get; set; }

    public static MemoryGatewayBed Start(string extra = "", string pool = "198.18.1.1-198.18.1.200")
    {
        ConfigParseResult parsed = PixConfigParser.Parse(GatewayTestBed.Config(pool, extra), "multi.cfg");
        Assert.True(parsed.Config is not null, string.Join("\n", parsed.Errors));
        var capture = new CaptureLogSink();
        MemoryDataplaneWire? wire = null;
        GatewayHost host = GatewayHost.Create(parsed.Config, new GatewayHostOptions
        {
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            EnableAdminSocket = false,
            LogSinks = [capture],
            Dataplane = context => (wire = MemoryDataplaneWire.Create(context.FrameSink, AddressConversion.ToHostOrder(IPAddress.Loopback), 2048)).Host,
            ShutdownReplyTimeout = TimeSpan.FromSeconds(5),
        });
        host.Start();
        return new MemoryGatewayBed { Host = host, Capture = capture, Wire = wire! };
    }

    public PptpClientOptions ClientOptions => new()
    {
        Server = IPAddress.Loopback,
        Port = Host.PptpEndPoint!.Port,
        UserName = GatewayTestBed.User,
        Password = GatewayTestBed.Password,
        AuthenticationProtocols = [PppAuthProtocol.MsChapV2],
        Mppe = ClientMppeMode.Bits128,
        InterfaceFactory = settings => new MemoryTunnelInterface(settings),
        ConnectTimeout = TimeSpan.FromSeconds(50),
    };

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Wire.Dispose();
    }
}
