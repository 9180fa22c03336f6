using System.Reflection;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.Tests.Dataplane.Mppe;

/// <summary>
/// Guards a performance fix that no functional test can see: the pointer-based RC4 kernels must stay out of line.
/// Inlined into <c>MppeBurst.Run</c> (a large method), the JIT kept the RC4 indices i and j in stack slots, so every
/// round waited on a store-to-load forward: the burst MPPE stage ran its keystreams ~1.5× slower than
/// <see cref="Rc4.Transform(Span{byte})"/> (bench/RESULTS.md, "Follow-up: receive path and small packets").
/// </summary>
public class Rc4InliningTests
{
    [Theory]
    [InlineData("TransformPlain", 4)]
    [InlineData("TransformReadAhead", 4)]
    [InlineData("TransformReadAheadSelect", 4)]
    [InlineData("Transform2ReadAhead", 6)]
    [InlineData("Transform2ReadAheadSelect", 6)]
    public void PointerKernelsAreNeverInlined(string name, int parameterCount)
    {
        MethodInfo[] candidates = typeof(Rc4)
            .GetMethods(BindingFlags.Static | BindingFlags.NonPublic)
            .Where(m => m.Name == name && m.GetParameters().Length == parameterCount)
            .ToArray();

        MethodInfo method = Assert.Single(candidates);
        Assert.True(method.GetParameters()[0].ParameterType.IsPointer, $"{name}: the pointer overload was expected");
        Assert.True((method.MethodImplementationFlags & MethodImplAttributes.NoInlining) != 0,
            $"Rc4.{name} must carry [MethodImpl(MethodImplOptions.NoInlining)]");
    }
}
