namespace PptpGw.Gateway;

/// <summary>The <c>pptpgw</c> executable: command line and hosting (filled in by the control-plane issue).</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        Console.WriteLine("pptpgw: the gateway is not wired yet (see issue 4); codecs and crypto live in src/Dataplane and src/ControlPlane.");
        return args.Length == 0 ? 0 : 2;
    }
}
