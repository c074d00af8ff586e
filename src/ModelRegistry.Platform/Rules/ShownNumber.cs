using System.Globalization;

namespace ModelRegistry.Platform.Rules;

/// <summary>
/// Numbers as people are shown them (approval evidence, <c>mreg versions show</c>): at most 15 significant digits, which
/// is every digit a double holds reliably, so binary floating-point noise such as 0.30000000000000004 (0.1 + 0.2) shows
/// as 0.3. Differences are taken in decimal: 0.94 - 0.90 is 0.04, not 0.039999999999999925.
/// </summary>
public static class ShownNumber
{
    /// <summary><paramref name="value"/> rounded to 15 significant digits (non-finite values as they are).</summary>
    public static double Of(double value) =>
        double.IsFinite(value) ? double.Parse(value.ToString("G15", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : value;

    /// <summary><paramref name="a"/> minus <paramref name="b"/>, each first rounded as <see cref="Of"/> does, subtracted exactly in decimal.</summary>
    public static double Difference(double a, double b)
    {
        var (x, y) = (Of(a), Of(b));
        return FitsDecimal(x) && FitsDecimal(y) ? Of((double)((decimal)x - (decimal)y)) : Of(x - y);
    }

    /// <summary>The shortest text that reads back as <see cref="Of"/>(<paramref name="value"/>), invariant culture.</summary>
    public static string Text(double value) => Of(value).ToString("R", CultureInfo.InvariantCulture);

    // Fifteen significant digits of such a value fit decimal's 28 decimal places, so the conversion is exact.
    private static bool FitsDecimal(double value) => value == 0 || (Math.Abs(value) >= 1e-13 && Math.Abs(value) < 1e28);
}
