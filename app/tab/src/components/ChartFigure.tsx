import React from "react";
import { Subtitle2 } from "@fluentui/react-components";

// Out of sight, but read by screen readers: the numbers behind a chart, as a table.
const VISUALLY_HIDDEN: React.CSSProperties = {
  position: "absolute",
  width: 1,
  height: 1,
  margin: -1,
  padding: 0,
  overflow: "hidden",
  clip: "rect(0 0 0 0)",
  whiteSpace: "nowrap",
  border: 0,
};

/** A titled chart with its data as a table behind it, so every figure is there without the picture. */
export function ChartFigure({
  id,
  title,
  columns,
  rows,
  wide = false,
  children,
}: {
  id: string;
  title: string;
  columns: string[];
  rows: string[][];
  /** A full row rather than half of one. */
  wide?: boolean;
  children: React.ReactNode;
}) {
  const heading = `chart-${id}`;
  return (
    <section aria-labelledby={heading} data-testid={`chart-${id}`} style={{ position: "relative", flex: wide ? "1 1 100%" : "0 1 560px", minWidth: 0, maxWidth: "100%" }}>
      <Subtitle2 as="h2" id={heading}>
        {title}
      </Subtitle2>
      <div style={{ overflowX: "auto" }}>{children}</div>
      <table style={VISUALLY_HIDDEN} data-testid="chart-table">
        <caption>{title}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={index}>
              {row.map((cell, column) =>
                column === 0 ? (
                  <th key={column} scope="row">
                    {cell}
                  </th>
                ) : (
                  <td key={column}>{cell}</td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
