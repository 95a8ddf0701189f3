/// The page's one stylesheet, inline so the report is a single file that opens anywhere, offline. System
/// fonts only; sized for a white page about 1160 px wide.
enum ReportStyle {
    static let css = """
    body { margin: 0; background: #ffffff; color: #1d1d1f;
      font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", Arial, sans-serif;
      font-size: 14px; line-height: 1.45; }
    main { max-width: 1160px; margin: 0 auto; padding: 24px 28px 40px; }
    h1 { font-size: 26px; margin: 0 0 4px; }
    h2 { font-size: 19px; margin: 34px 0 6px; padding-top: 14px; border-top: 1px solid #e5e5e5; }
    h3 { font-size: 15px; margin: 18px 0 6px; }
    p { margin: 4px 0 10px; max-width: 900px; }
    .subtitle { color: #555555; font-size: 15px; margin-bottom: 14px; }
    .why { color: #444444; }
    .notice { background: #fff7e0; border: 1px solid #e8c766; border-radius: 6px; padding: 10px 14px; max-width: none; }
    table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
    th, td { padding: 4px 10px; border-bottom: 1px solid #e6e6e6; text-align: left; vertical-align: top; }
    th { background: #f5f5f7; font-weight: 600; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    tr.this td { font-weight: 600; }
    table.meta th { background: none; color: #555555; font-weight: 500; width: 130px; }
    table.meta td { word-break: break-all; }
    .figure { overflow-x: auto; }
    svg.chart { display: block; margin: 8px 0; }
    svg text { font-family: inherit; }
    footer { margin-top: 36px; color: #777777; font-size: 12px; }
    code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
    """
}
