namespace PptpGw.Fuzz;

/// <summary>Every fuzz target, in the order `./build.sh fuzz` runs them.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        PptpTarget.Target,
        GreTarget.Target,
        PppFrameTarget.Target,
        PppOptionTargets.Lcp,
        PppOptionTargets.Ipcp,
        PppOptionTargets.Ccp,
        PppSessionTargets.Server,
        PppSessionTargets.Client,
        PppAuthTargets.Pap,
        PppAuthTargets.Chap,
        PppAuthTargets.MsChapText,
        MppeTarget.Target,
        RadiusTarget.Target,
        TacacsTarget.Target,
        ConfigTarget.Target,
        AdminTarget.Target,
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
