using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jaqmc.Cli.Dashboard;

/// <summary>The source-generated serializers of the API's JSON: camelCase, web defaults, non-ASCII text unescaped.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DashboardJsonShapes.RunListJson))]
[JsonSerializable(typeof(DashboardJsonShapes.DetailJson))]
[JsonSerializable(typeof(DashboardJsonShapes.CurveJson))]
[JsonSerializable(typeof(DashboardJsonShapes.LiveJson))]
[JsonSerializable(typeof(DashboardJsonShapes.RefusalJson))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
