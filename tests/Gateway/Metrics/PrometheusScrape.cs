using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace PptpGw.Tests.Gateway.Metrics;

/// <summary>A parsed Prometheus text exposition (what a scrape returned): samples by name and labels.</summary>
internal sealed partial class PrometheusScrape
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];

    public PrometheusScrape(string text)
    {
        Text = text;
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            Match m = Sample().Match(line);
            Assert.True(m.Success, "not a Prometheus sample line: " + line);
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match l in Label().Matches(m.Groups["labels"].Value))
                labels[l.Groups["k"].Value] = l.Groups["v"].Value;
            _samples.Add((m.Groups["name"].Value, labels, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
    }

    public string Text { get; }

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels include <paramref name="labels"/> ("k=v").</summary>
    public double Sum(string name, params string[] labels) =>
        Matching(name, labels).Sum(s => s.Value);

    public bool Has(string name) => _samples.Any(s => s.Name == name);

    public IEnumerable<(string Name, Dictionary<string, string> Labels, double Value)> Matching(string name, params string[] labels) =>
        _samples.Where(s => s.Name == name && labels.All(kv =>
        {
            string[] p = kv.Split('=', 2);
            return s.Labels.TryGetValue(p[0], out string? v) && v == p[1];
        }));

    /// <summary>GET /metrics over a plain HTTP/1.0 request, on a socket <paramref name="connect"/> makes (a test's network namespace).</summary>
    public static PrometheusScrape Get(Func<Socket> connect)
    {
        using Socket socket = connect();
        socket.ReceiveTimeout = 10_000;
        // The Host header Prometheus sends for a target given as ADDR:PORT (HttpListener matches it against its prefix).
        socket.Send(System.Text.Encoding.ASCII.GetBytes($"GET /metrics HTTP/1.0\r\nHost: {socket.RemoteEndPoint}\r\n\r\n"));
        using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream);
        string response = reader.ReadToEnd();
        int body = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(response.StartsWith("HTTP/1.", StringComparison.Ordinal) && response.Contains(" 200 ", StringComparison.Ordinal) && body > 0,
            "scrape failed: " + response);
        return new PrometheusScrape(response[(body + 4)..]);
    }

    /// <summary>GET /metrics from <paramref name="endPoint"/> with HttpClient (the host's own namespace).</summary>
    public static async Task<PrometheusScrape> GetAsync(IPEndPoint endPoint)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        HttpResponseMessage response = await http.GetAsync(new Uri($"http://{endPoint}/metrics"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
        return new PrometheusScrape(await response.Content.ReadAsStringAsync());
    }

    /// <summary>A free loopback TCP port (HttpListener cannot bind port 0).</summary>
    public static IPEndPoint FreeLoopbackEndPoint()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var endPoint = (IPEndPoint)probe.LocalEndpoint;
        probe.Stop();
        return endPoint;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>[-+0-9.eEInfNa]+)( \d+)?$")]
    private static partial Regex Sample();

    [GeneratedRegex(@"(?<k>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<v>(?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
