using System.Collections.Immutable;
using System.Net;
using PptpGw.Client;
using PptpGw.ControlPlane.Ppp;

namespace PptpGw.Load;

/// <summary>Everything one run of <c>pptpgw load</c> needs (the command line's options).</summary>
public sealed record LoadSettings
{
    /// <summary>The PPTP server.</summary>
    public required IPAddress Server { get; init; }

    public int Port { get; init; } = 1723;

    /// <summary>Sessions (calls) to set up.</summary>
    public required int Sessions { get; init; }

    /// <summary>Calls per control connection (1 as Windows does; more needs a gateway that takes several OCRQs per tunnel).</summary>
    public int CallsPerTunnel { get; init; } = 1;

    /// <summary>How long to keep the sessions up once the set-up phase is over.</summary>
    public TimeSpan Hold { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Open loop: sessions started per second (0: closed loop).</summary>
    public double Rate { get; init; }

    /// <summary>Open loop: the most set-ups pending at once; beyond it the schedule slips and the backlog is reported.</summary>
    public int MaxInFlight { get; init; } = 4096;

    /// <summary>Closed loop: set-ups in flight at once.</summary>
    public int Concurrency { get; init; } = 256;

    /// <summary>Where the PACs' source addresses come from (routed to the tool's namespace as local).</summary>
    public required Ipv4Prefix Sources { get; init; }

    /// <summary>How many addresses of <see cref="Sources"/> to use (0: one per tunnel, as many as the prefix holds).</summary>
    public int SourceCount { get; init; }

    public required string UserName { get; init; }

    public required string Password { get; init; }

    /// <summary>Authentication protocols offered (empty: MS-CHAPv2 only, the default of the load tool).</summary>
    public ImmutableArray<PppAuthProtocol> AuthenticationProtocols { get; init; } = [PppAuthProtocol.MsChapV2];

    public ClientMppeMode Mppe { get; init; } = ClientMppeMode.Bits128;

    public bool Stateful { get; init; }

    /// <summary>TCP connect + SCCRP.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>OCRQ → OCRP.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>PPP: LCP, authentication, CCP, IPCP.</summary>
    public TimeSpan PppTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Each answer of the hang-up (LCP Terminate-Ack, CDN, StopCCRP).</summary>
    public TimeSpan HangUpStepTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Calls hanging up at once (whole tunnels: max(1, this / calls per tunnel) of them). The hang-up's closed-loop
    /// window, as <see cref="Concurrency"/> is the set-up's: every Terminate-Request of 2,048 tunnels × 25 calls at once
    /// was a 51,200-frame burst on the gateway's exception path.
    /// </summary>
    public int HangUpConcurrency { get; init; } = 8192;

    /// <summary>During the hold, an LCP Echo-Request from every session up at this interval (<see cref="TimeSpan.Zero"/>: none).</summary>
    public TimeSpan LcpEchoInterval { get; init; } = TimeSpan.Zero;

    public ushort ReceiveWindow { get; init; } = 64;

    /// <summary>A process whose CPU, RSS and descriptors are sampled from /proc (the gateway), or null.</summary>
    public int? GatewayPid { get; init; }

    /// <summary>Where the JSON result goes, or null.</summary>
    public string? JsonPath { get; init; }

    /// <summary>Where the PNG plot goes, or null.</summary>
    public string? PlotPath { get; init; }

    /// <summary>Show the live view (Spectre.Console) when the terminal is interactive.</summary>
    public bool Live { get; init; } = true;

    /// <summary>Per-session traffic during the hold (ICMP echo to the gateway, checked on return), or null for none.</summary>
    public TrafficSettings? Traffic { get; init; }

    /// <summary>
    /// Carry the calls through the dataplane's Worker in the client role (<see cref="LoadDataPath"/>) even without traffic;
    /// traffic always does. Otherwise the control-only <see cref="GreMux"/>.
    /// </summary>
    public bool WorkerDataPath { get; init; }

    /// <summary>The DPDK transport (<c>--dpdk-port</c>) for the client-role dataplane, or null for the raw GRE socket.</summary>
    public DpdkLoadSettings? Dpdk { get; init; }

    /// <summary>True when the run uses the client-role dataplane.</summary>
    public bool UsesWorker => WorkerDataPath || Traffic is { PacketsPerSecond: > 0 } || Dpdk is not null;

    /// <summary>Number of tunnels (control connections) the run opens.</summary>
    public int Tunnels => (Sessions + CallsPerTunnel - 1) / CallsPerTunnel;
}
