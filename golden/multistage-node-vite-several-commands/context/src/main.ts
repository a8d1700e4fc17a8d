export const title: string = "Dashboard";
