export { default as Toaster } from './sonner.svelte';
